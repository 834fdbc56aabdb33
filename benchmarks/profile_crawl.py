"""Where a crawl's CPU time goes: `scrapy crawl yonhap` over a synthetic mirror under
cProfile, its own time grouped by component, then the top functions.

    python -P benchmarks/profile_crawl.py [--articles 2000] [--gzip] [-s NAME=VALUE ...]

The mirror is served from a forked process (benchmarks/crawl.py), politeness off,
over an urls_file (no discovery), state store and archive on as by default; with
--gzip the mirror sends its pages gzip-encoded, as a live server does.
"""
from __future__ import annotations

import argparse
import os
import pstats
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl import MIRROR_GZIP_LEVEL, PAGES, crawl_settings, serve_forked  # noqa: E402 - the benchmarks' own helpers

from newscrawl.mirror import build_site, load_articles, synthetic_articles  # noqa: E402

# Component of a function, by where its code lives (first match wins).
AREAS = [
    ("newscrawl extraction (pages, text, processing)", ("newscrawl/pages", "newscrawl/text", "newscrawl/processing")),
    ("newscrawl WARC archive", ("newscrawl/warc", "newscrawl/components/archive", "warcio/")),
    ("newscrawl state store + feeds", ("newscrawl/state", "newscrawl/components/incremental", "newscrawl/components/feedexport",
                                       "newscrawl/components/exporters", "newscrawl/feeds", "scrapy/exporters", "scrapy/extensions/feedexport", "sqlite3")),
    ("newscrawl pipelines, schema, monitors", ("newscrawl/pipelines", "newscrawl/schema", "newscrawl/components/monitors", "newscrawl/monitoring",
                                               "jsonschema", "referencing", "spidermon")),
    ("newscrawl spider, middlewares", ("newscrawl/",)),
    ("lxml / parsel", ("lxml", "parsel", "cssselect")),
    ("zlib / gzip (and isal's)", ("zlib", "gzip", "isal")),
    ("digests (hashlib, base32)", ("_hashlib", "hashlib", "base64")),
    ("Scrapy engine, downloader, signals", ("scrapy/", "pydispatch")),
    ("Twisted / asyncio", ("twisted/", "asyncio/", "selectors")),
]


def area(filename: str, function: str) -> str:
    """The component of a profiled function; built-ins (filename "~") by their name
    ("<method 'compress' of 'zlib.Compress' objects>")."""
    where = function if filename == "~" else filename
    for name, needles in AREAS:
        if any(needle in where for needle in needles):
            return name
    return "other (stdlib, builtins)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--gzip", action="store_true", help="pages gzip-encoded by the mirror")
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--save", metavar="FILE", help="keep the cProfile data (for pstats, snakeviz)")
    args = parser.parse_args()
    articles = synthetic_articles(load_articles(PAGES), args.articles, seed=1)
    site = build_site(articles, listing_page_size=20, feed_limit=400)
    server, base_url = serve_forked(site, MIRROR_GZIP_LEVEL if args.gzip else None)
    paths = [f"/view/{a.article_id}" for a in articles]
    del articles, site
    try:
        with tempfile.TemporaryDirectory() as scratch:
            urls = Path(scratch) / "urls.txt"
            urls.write_text("".join(f"{base_url}{path}\n" for path in paths))
            profile = Path(scratch) / "crawl.prof"
            env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCRAWL_", "SCRAPY_"))}
            env["SCRAPY_SETTINGS_MODULE"] = "newscrawl.settings"
            extra = [part for setting in args.settings for part in ("-s", setting)]
            command = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "scrapy", "crawl", "yonhap",
                       "-a", f"urls_file={urls}", "-s", f"YONHAP_BASE_URL={base_url}", *crawl_settings(args.concurrency),
                       "-s", "LOG_LEVEL=WARNING", *extra]
            subprocess.run(command, cwd=scratch, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            stats = pstats.Stats(str(profile))
            if args.save:
                stats.dump_stats(args.save)
    finally:
        server.terminate()
    by_area: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _, function), (_, _, own, _, _) in stats.stats.items():
        by_area[area(filename, function)] += own
        total += own
    print(f"{args.articles} articles, {total:.1f} s of profiled CPU ({total * 1000 / args.articles:.2f} ms a page)")
    for name, seconds in sorted(by_area.items(), key=lambda item: -item[1]):
        print(f"  {seconds * 1000 / args.articles:6.2f} ms/page  {seconds / total:6.1%}  {name}")
    print()
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
