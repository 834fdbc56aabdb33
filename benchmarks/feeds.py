"""Reading a huge RSS feed or news sitemap: time to the first article request, total
time and peak memory, against a small feed, each in a fresh process.

    python -P benchmarks/feeds.py [--items 100 100000] [--sitemap-urls 100 50000]

Each measurement runs the spider's own parse_rss / parse_sitemap over a feed built
in memory and consumes the requests it yields (no network, no engine), so the
figures are those of reading the feed. Peak RSS is the process's VmHWM; the feed's
own bytes are part of it. Target (issue 12): the huge feed's peak within 1.2x of the
small feed's.

The "+filter" rows also hand every request to the crawl's duplicate filter
(newscrawl.dupefilter.ArticleDupeFilter, no state store), as the scheduler does:
Scrapy keeps a fingerprint per request there, whatever the spider does, so these
rows show what a real crawl holds per article beyond reading the feed.
"""
from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import time


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


def measure(kind: str, count: int, through_filter: bool) -> dict:
    """Runs in a child process: read the feed with the spider (and hand the requests to
    the duplicate filter), report figures as JSON."""
    from scrapy.http import XmlResponse
    from scrapy.utils.test import get_crawler

    from newscrawl.dupefilter import ArticleDupeFilter
    from newscrawl.spiders.yonhap import YonhapSpider

    body = build(kind, count)
    crawler = get_crawler(YonhapSpider, {"YONHAP_BASE_URL": "http://127.0.0.1:9", "NEWSCRAWL_STATE_ENABLED": False,
                                         "DUPEFILTER_CLASS": "newscrawl.dupefilter.ArticleDupeFilter"})
    crawler.spider = spider = YonhapSpider.from_crawler(crawler)
    response = XmlResponse(f"http://127.0.0.1:9/{kind}.xml", body=body)
    parse = spider.parse_rss if kind == "rss" else spider.parse_sitemap
    dupefilter = ArticleDupeFilter.from_crawler(crawler) if through_filter else None
    if dupefilter is not None:
        dupefilter.open()
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.process_time()
    first = None
    requests = 0
    for request in parse(response):
        requests += 1
        if dupefilter is not None and dupefilter.request_seen(request):
            raise AssertionError(f"{request.url} filtered: every entry is a distinct article")
        if first is None:
            first = time.process_time() - start
    total = time.process_time() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"kind": kind, "entries": count, "bytes": len(body), "requests": requests,
            "first_request_ms": round((first or 0) * 1000, 1), "cpu_s": round(total, 2), "before_mb": round(before_mb, 1),
            "peak_mb": round(peak_kb / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, nargs=2, default=[100, 100_000], metavar=("SMALL", "HUGE"))
    parser.add_argument("--sitemap-urls", type=int, nargs=2, default=[100, 50_000], metavar=("SMALL", "HUGE"))
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], int(args.child[1]), args.child[2] == "filter")))
        return
    print(f"{'feed':15} {'entries':>8} {'MB':>6} {'requests':>9} {'first req ms':>13} {'CPU s':>7} "
          f"{'RSS before MB':>14} {'peak RSS MB':>12}")
    for kind, sizes in (("rss", args.items), ("sitemap", args.sitemap_urls)):
        for stage in ("read", "filter"):
            label = kind if stage == "read" else f"{kind}+filter"
            rows = []
            for count in sizes:
                # -P: not the benchmarks folder on sys.path (its incremental.py would shadow a package).
                out = subprocess.run([sys.executable, "-P", __file__, "--child", kind, str(count), stage], check=True,
                                     capture_output=True, text=True).stdout
                row = json.loads(out)
                rows.append(row)
                print(f"{label:15} {count:>8} {row['bytes'] / 1e6:>6.1f} {row['requests']:>9} {row['first_request_ms']:>13} "
                      f"{row['cpu_s']:>7} {row['before_mb']:>14} {row['peak_mb']:>12}")
            target = " (target <= 1.2x)" if stage == "read" else ""
            print(f"{label}: peak RSS huge/small = {rows[1]['peak_mb'] / rows[0]['peak_mb']:.2f}x{target}; "
                  f"the huge feed added {rows[1]['peak_mb'] - rows[1]['before_mb']:.1f} MB to what holding it took")

if __name__ == "__main__":
    main()
