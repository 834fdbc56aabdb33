"""Incremental re-run: a crawl of a large unchanged mirror, then the same crawl again.

    python benchmarks/incremental.py [--articles N] [--seed S]

Builds a synthetic mirror of N articles from the real pages (newscrawl.mirror.
synthetic_articles: RSS, sitemap and listing list them all), crawls it with the
normal discovery and politeness off, then crawls it again with the same state store.
Prints, for each run, the article and other requests the mirror served, the items
exported and the wall time. Target (issue 4): the second run makes 0 article requests.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crawl import crawl_settings, stat  # benchmarks/crawl.py: the same politeness-off settings and stats reader
from newscrawl.mirror import MirrorServer, build_site, load_articles, synthetic_articles

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "tests" / "fixtures" / "pages").glob("*.html"))


def crawl(base_url: str, workdir: Path) -> tuple[float, str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "yonhap", "-s", f"YONHAP_BASE_URL={base_url}", *crawl_settings(16)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    env["SCRAPY_SETTINGS_MODULE"] = "newscrawl.settings"
    start = time.perf_counter()
    result = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"crawl failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return elapsed, result.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    articles = synthetic_articles(load_articles(PAGES), args.articles, seed=args.seed)
    server = MirrorServer(build_site(articles, listing_page_size=20)).start()
    print(f"mirror: {len(articles)} articles at {server.base_url}")
    print(f"{'run':<8}{'article req':>12}{'other req':>11}{'exported':>10}{'skipped':>9}{'wall s':>8}")
    try:
        with tempfile.TemporaryDirectory() as workdir:
            for run in ("first", "second"):
                before = dict(server.requests)
                elapsed, log = crawl(server.base_url, Path(workdir))
                served = {p: n - before.get(p, 0) for p, n in server.requests.items()}
                article = sum(n for p, n in served.items() if p.startswith("/view/"))
                other = sum(n for p, n in served.items() if not p.startswith("/view/"))
                print(f"{run:<8}{article:>12}{other:>11}{stat(log, 'item_scraped_count'):>10}"
                      f"{stat(log, 'newscrawl/incremental/skipped'):>9}{elapsed:>8.1f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
