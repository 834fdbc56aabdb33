"""Reading a huge RSS feed or news sitemap: time to the first article request, total
time and peak memory, against a small feed, each in a fresh process.

    python -P benchmarks/feeds.py [--items 100 100000] [--sitemap-urls 100 50000]

Three stages, each a row per feed size; target (issue 12): the huge feed's peak RSS
within 1.2x of the small feed's.
- read: the spider's own parse_rss / parse_sitemap over a feed built in memory,
  consuming the requests it yields (no network, no engine): the cost of reading.
- crawl: `scrapy crawl yonhap -a discover=<feed>` against a local server holding the
  feed, closed after CRAWL_PAGES article pages (whose ids the server does not know:
  404s); peak RSS of the crawl process. The spider hands out article requests as the
  downloader has room for them, so neither the scheduler nor the duplicate filter
  holds the whole feed's requests.
- jobdir: the same crawl with a JOBDIR (the resumed crawl reads the feed again, so
  nothing more is queued at the close).

Peak RSS is the process's VmHWM; the feed's own bytes are part of it.
"""
from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

CRAWL_PAGES = 1000
STAGES = ("read", "crawl", "jobdir")


def article_id(n: int) -> str:
    """A distinct article id for each n (ten thousand serials a day)."""
    return f"AEN2023{1 + n // 10000 // 28:02d}{1 + n // 10000 % 28:02d}{n % 10000:04d}00320"


def build(kind: str, count: int) -> bytes:
    """The feed's bytes, written entry by entry (no whole-feed string in between)."""
    out = io.BytesIO()
    if kind == "rss":
        out.write(b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>')
        for n in range(count):
            out.write(f"<item><link>https://en.yna.co.kr/view/{article_id(n)}</link></item>".encode())
        out.write(b"</channel></rss>")
    else:
        out.write(b'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                  b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">')
        for n in range(count):
            out.write(f"<url><loc>https://en.yna.co.kr/view/{article_id(n)}</loc><news:news><news:publication_date>"
                      f"2023-04-19T10:00:00+09:00</news:publication_date></news:news></url>".encode())
        out.write(b"</urlset>")
    return out.getvalue()


def measure_reading(kind: str, count: int) -> dict:
    """Read the feed with the spider, outside a crawl."""
    from scrapy.http import XmlResponse
    from scrapy.utils.test import get_crawler

    from newscrawl.spiders.yonhap import YonhapSpider

    body = build(kind, count)
    crawler = get_crawler(YonhapSpider, {"YONHAP_BASE_URL": "http://127.0.0.1:9", "NEWSCRAWL_STATE_ENABLED": False,
                                         "DUPEFILTER_CLASS": "newscrawl.components.dupefilter.ArticleDupeFilter"})
    crawler.spider = spider = YonhapSpider.from_crawler(crawler)
    response = XmlResponse(f"http://127.0.0.1:9/{kind}.xml", body=body)
    parse = spider.parse_rss if kind == "rss" else spider.parse_sitemap
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.process_time()
    first = None
    requests = 0

    async def consume() -> None:
        nonlocal first, requests
        async for _ in parse(response):
            requests += 1
            if first is None:
                first = time.process_time() - start

    asyncio.run(consume())
    total = time.process_time() - start
    return {"bytes": len(body), "requests": requests, "first_request_ms": round((first or 0) * 1000, 1),
            "cpu_s": round(total, 2), "before_mb": round(before_mb, 1),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def measure_crawl(kind: str, count: int, jobdir: bool) -> dict:
    """A real crawl of a local server holding the feed; figures of the crawl's process."""
    from newscrawl.mirror import MirrorServer

    body = build(kind, count)
    path = "/RSS/news.xml" if kind == "rss" else "/news-sitemap.xml"
    server = MirrorServer({path: ("application/xml", body),
                           "/robots.txt": ("text/plain", b"User-agent: *\nDisallow:\n")}).start()
    try:
        with tempfile.TemporaryDirectory() as directory:
            environment = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newscrawl.settings", "NEWSCRAWL_DATA_DIR": directory}
            command = [sys.executable, "-m", "scrapy", "crawl", "yonhap", "-a", f"discover={kind}",
                       "-s", f"YONHAP_BASE_URL={server.base_url}", "-s", "AUTOTHROTTLE_ENABLED=False",
                       "-s", "DOWNLOAD_DELAY=0", "-s", "NEWSCRAWL_STATE_ENABLED=False",
                       "-s", f"CLOSESPIDER_PAGECOUNT={CRAWL_PAGES}", "-O", os.path.join(directory, "out.jsonl")]
            if jobdir:
                command += ["-s", f"JOBDIR={os.path.join(directory, 'job')}"]
            result = subprocess.run(command, cwd=directory, env=environment, capture_output=True, text=True)
    finally:
        server.stop()
    enqueued = re.search(r"'scheduler/enqueued': (\d+)", result.stderr)
    if enqueued is None:
        raise SystemExit(f"the crawl gave no stats (exit {result.returncode}):\n{result.stderr[-2000:]}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"bytes": len(body), "requests": int(enqueued.group(1)), "first_request_ms": None,
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "before_mb": None, "peak_mb": round(usage.ru_maxrss / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, nargs=2, default=[100, 100_000], metavar=("SMALL", "HUGE"))
    parser.add_argument("--sitemap-urls", type=int, nargs=2, default=[100, 50_000], metavar=("SMALL", "HUGE"))
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, count, stage = args.child[0], int(args.child[1]), args.child[2]
        figures = measure_reading(kind, count) if stage == "read" else measure_crawl(kind, count, stage == "jobdir")
        print(json.dumps(figures))
        return
    print(f"{'feed':15} {'entries':>8} {'MB':>6} {'requests':>9} {'first req ms':>13} {'CPU s':>7} "
          f"{'RSS before MB':>14} {'peak RSS MB':>12}")
    for kind, sizes in (("rss", args.items), ("sitemap", args.sitemap_urls)):
        for stage in STAGES:
            label = kind if stage == "read" else f"{kind}+{stage}"
            rows = []
            for count in sizes:
                # -P: not the benchmarks folder on sys.path (its incremental.py would shadow a package).
                out = subprocess.run([sys.executable, "-P", __file__, "--child", kind, str(count), stage], check=True,
                                     capture_output=True, text=True).stdout
                row = json.loads(out)
                rows.append(row)
                print(f"{label:15} {count:>8} {row['bytes'] / 1e6:>6.1f} {row['requests']:>9} "
                      f"{row['first_request_ms'] if row['first_request_ms'] is not None else '-':>13} {row['cpu_s']:>7} "
                      f"{row['before_mb'] if row['before_mb'] is not None else '-':>14} {row['peak_mb']:>12}")
            ratio = rows[1]["peak_mb"] / rows[0]["peak_mb"]
            if stage != "read":
                detail = (f"; requests scheduled by the close after {CRAWL_PAGES} pages: "
                          f"{rows[0]['requests']} and {rows[1]['requests']}")
            else:
                detail = f"; reading added {rows[1]['peak_mb'] - rows[1]['before_mb']:.1f} MB to what holding the feed took"
            print(f"{label}: peak RSS huge/small = {ratio:.2f}x (target <= 1.2x){detail}")


if __name__ == "__main__":
    main()
