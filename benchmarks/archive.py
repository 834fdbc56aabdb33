"""A backfill from a local pywb: pages/s, CPU per page and peak RSS of the crawl.

    python benchmarks/archive.py [--articles 10000] [--concurrency 8]

Writes N synthetic article pages (newscrawl.mirror.synthetic_articles, real markup, 200 a
day) into a WARC file under their real https://en.yna.co.kr/view/ URLs, adds it to a pywb
collection (pywb in .venv-pywb, as the tests use it), serves it with `wayback` on
127.0.0.1, then runs, each in a fresh process and directory, politeness off:

  bare      a no-extraction Scrapy spider fetching the same captures (raw replay URLs)
  backfill  `scrapy crawl yonhap -a archive=<collection> -a since=... -a until=...`:
            index queries, capture choice, replay, extraction, feed, store, WARC

CPU is the crawl's own (wait4 of its process tree; pywb's is not counted). Prints pages/s,
CPU ms a page, peak RSS, and the backfill's ratio to the bare spider. Needs pywb's venv:
`python3 -m venv .venv-pywb && .venv-pywb/bin/pip install 'pywb>=2.10,<2.11'`.
"""
from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta, timezone
from pathlib import Path
from urllib.request import urlopen

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl import BARE_SPIDER, crawl_settings, run_measured, stat  # noqa: E402 - the benchmarks' own helpers

from newscrawl.mirror import load_articles, synthetic_articles  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PYWB = ROOT / ".venv-pywb" / "bin"


def write_warc(path: Path, count: int) -> tuple[list[str], str, str]:
    """(capture timestamps and URLs as replay paths, first day, last day) of N pages."""
    articles = synthetic_articles(load_articles(sorted((ROOT / "tests" / "fixtures" / "pages").glob("*.html"))), count)
    replays = []
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for number, article in enumerate(articles):
            url = f"https://en.yna.co.kr/view/{article.article_id}"
            when = article.published + timedelta(days=30, seconds=number)
            stamp = when.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S")
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=UTF-8"),
                                               ("Content-Length", str(len(article.html)))], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(article.html), length=len(article.html), http_headers=http,
                warc_headers_dict={"WARC-Date": when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}))
            replays.append(f"{stamp}id_/{url}")
    days = sorted(article.article_id[3:11] for article in articles)
    return replays, f"{days[0][:4]}-{days[0][4:6]}-{days[0][6:]}", f"{days[-1][:4]}-{days[-1][4:6]}-{days[-1][6:]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    if not (PYWB / "wayback").exists():
        sys.exit(f"no pywb in {PYWB.parent}: python3 -m venv .venv-pywb && .venv-pywb/bin/pip install 'pywb>=2.10,<2.11'")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCRAWL_", "SCRAPY_"))}
    print(f"machine: {os.cpu_count()} CPUs; {args.articles} pages, concurrency {args.concurrency}")
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        started = time.perf_counter()
        replays, first, last = write_warc(home / "pages.warc.gz", args.articles)
        for command in (["init", "bench"], ["add", "bench", str(home / "pages.warc.gz")]):
            subprocess.run([str(PYWB / "wb-manager"), *command], cwd=home, check=True, capture_output=True)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        collection = f"http://127.0.0.1:{port}/bench"
        server = subprocess.Popen([str(PYWB / "wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=home,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    urlopen(f"{collection}/cdx?url=en.yna.co.kr/x&output=json", timeout=2).read()
                    break
                except OSError:
                    time.sleep(0.3)
            print(f"WARC and pywb collection of {args.articles} pages: {time.perf_counter() - started:.0f} s "
                  f"(days {first} to {last})")
            urls = home / "urls.txt"
            urls.write_text("".join(f"{collection}/{replay}\n" for replay in replays))
            runs = []
            for name, command, extra_env, pages_stat in [
                ("bare", [sys.executable, "-m", "scrapy", "runspider", str(BARE_SPIDER), "-a", f"urls_file={urls}"],
                 {}, "bare/pages"),
                ("backfill", [sys.executable, "-m", "scrapy", "crawl", "yonhap", "-a", f"archive={collection}",
                              "-a", f"since={first}", "-a", f"until={last}", "-s", "NEWSCRAWL_ARCHIVE_DELAY=0",
                              "-o", "feed.jsonl"], {"SCRAPY_SETTINGS_MODULE": "newscrawl.settings"},
                 "item_scraped_count"),
            ]:
                workdir = home / name
                workdir.mkdir()
                result = run_measured([*command, *crawl_settings(args.concurrency)], workdir, {**env, **extra_env})
                pages = stat(result["log"], pages_stat)
                runs.append({"name": name, "pages": pages, "pages_per_s": pages / result["wall"],
                             "cpu_ms": 1000 * result["cpu"] / max(pages, 1), "rss_mb": result["rss_mb"],
                             "requests": stat(result["log"], "downloader/request_count")})
        finally:
            server.terminate()
            server.wait(timeout=20)
    print(f"{'run':<10}{'pages':>8}{'requests':>10}{'pages/s':>10}{'CPU ms/page':>13}{'peak RSS MB':>13}{'vs bare':>9}")
    bare = runs[0]
    for run in runs:
        print(f"{run['name']:<10}{run['pages']:>8}{run['requests']:>10}{run['pages_per_s']:>10.1f}{run['cpu_ms']:>13.2f}"
              f"{run['rss_mb']:>13.0f}{run['pages_per_s'] / bare['pages_per_s']:>9.2f}")


if __name__ == "__main__":
    main()
