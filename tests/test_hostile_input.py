"""Hostile or odd input from the site: out-of-range dates, stray end markers, deep nesting."""
import asyncio
import json
import pytest

from conftest import FIXTURES, REAL_PAGES, run_crawl, stats_from_log
from newscrawl.mirror import MirrorServer, build_site, load_articles

REAL_IDS = sorted(p.stem for p in REAL_PAGES)
TARGET = "AEN20230419004700315"  # a real page edited below
FIRST_PARAGRAPH = (b'<p> SEOUL, April 19 (Yonhap) -- To hear one of the top South Korean pitchers tell it, the "sweeper," '
                   b'a variation of the slider, is all the rage here.</p>')


def edited_site(edit_page=None, edit_rss=None):
    site = build_site(load_articles(REAL_PAGES))
    if edit_page:
        kind, body = site[f"/view/{TARGET}"]
        site[f"/view/{TARGET}"] = (kind, edit_page(body))
    if edit_rss:
        kind, body = site["/RSS/news.xml"]
        site["/RSS/news.xml"] = (kind, edit_rss(body))
    return site


def crawl_site(site, tmp_path, *args):
    server = MirrorServer(site).start()
    try:
        status, log = run_crawl(server.base_url, "-O", "out.jsonl", *args, cwd=tmp_path)
    finally:
        server.stop()
    rows = {row["article_id"]: row for row in map(json.loads, (tmp_path / "out.jsonl").open())}
    return status, log, rows


def expected(article_id):
    return json.loads((FIXTURES / "expected" / f"{article_id}.json").read_text(encoding="utf-8"))


def test_out_of_range_dates_are_missing_not_fatal(tmp_path):
    def far_times(page):
        return (page.replace(b'"article:published_time" content="2023-04-19T14:18:44+09:00"',
                             b'"article:published_time" content="9999-12-31T23:59:59-05:00"')
                .replace(b'"article:modified_time" content="2023-04-19T14:18:44+09:00"',
                         b'"article:modified_time" content="0001-01-01T00:00:00+09:00"'))

    def far_rss_date(rss):  # the first item's date, in year 9999 behind UTC
        start = rss.index(b"<pubDate>") + len(b"<pubDate>")
        return rss[:start] + b"Fri, 31 Dec 9999 23:59:59 -0500" + rss[rss.index(b"</pubDate>", start):]

    status, log, rows = crawl_site(edited_site(far_times, far_rss_date), tmp_path, "-a", "discover=rss")
    assert status == 0, log[-3000:]
    assert "Traceback" not in log and "OverflowError" not in log
    assert sorted(rows) == REAL_IDS  # no article lost, no later RSS item lost
    # The meta times are implausible: published_at comes from CONTENT_DATA, modified_at follows it.
    assert rows[TARGET]["published_at"] == rows[TARGET]["modified_at"] == expected(TARGET)["published_at"]
    assert not any("+08:27" in row["published_at"] + row["modified_at"] for row in rows.values())
    stats = stats_from_log(log)
    assert stats["newscrawl/time/implausible"] == 2 and stats["newscrawl/discovery/rss/bad_date"] == 1


def test_an_end_marker_mid_story_does_not_cut_the_story(tmp_path):
    def stray_marker(page):
        return page.replace(FIRST_PARAGRAPH, FIRST_PARAGRAPH[:-4] + b" (MORE)</p>")

    status, log, rows = crawl_site(edited_site(stray_marker), tmp_path, "-a", "discover=rss")
    assert status == 0, log[-3000:]
    want = expected(TARGET)
    first, rest = want["body"].split("\n\n", 1)
    assert rows[TARGET]["body"] == f"{first} (MORE)\n\n{rest}"
    assert (rows[TARGET]["author_emails"], rows[TARGET]["end_marker"]) == (want["author_emails"], want["end_marker"])
    assert stats_from_log(log)["newscrawl/story/end_marker_in_body"] == 1


def test_deeply_nested_inline_tags_are_read(tmp_path):
    def nested(page):
        depth = 1200
        return page.replace(FIRST_PARAGRAPH, b"<p>" + b"<b>" * depth + FIRST_PARAGRAPH[3:-4] + b"</b>" * depth + b"</p>")

    status, log, rows = crawl_site(edited_site(nested), tmp_path, "-a", "discover=rss")
    assert status == 0, log[-3000:]
    assert "RecursionError" not in log
    assert rows[TARGET]["body"] == expected(TARGET)["body"]


def sitemap_index(*children):
    locs = "".join(f"<sitemap><loc>https://en.yna.co.kr{child}</loc></sitemap>" for child in children)
    return f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</sitemapindex>'.encode()


def test_sitemap_indexes_are_followed_within_depth_and_count_limits(serve, tmp_path):
    # A chain of indexes that never ends, and an index of 30 sitemaps.
    chain = {f"/chain{n}.xml": sitemap_index(f"/chain{n + 1}.xml") for n in range(20)}
    wide = {"/wide.xml": sitemap_index(*(f"/leaf{n}.xml" for n in range(30)))}
    leaves = {f"/leaf{n}.xml": b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>' for n in range(30)}
    server = serve({**chain, **wide, **leaves})
    status, log = run_crawl(server.base_url, "-a", "discover=sitemap", "-s", "YONHAP_SITEMAP_PATHS=/chain0.xml,/wide.xml",
                            "-s", "NEWSCRAWL_SITEMAP_MAX_DEPTH=3", "-s", "NEWSCRAWL_SITEMAP_MAX_DOCUMENTS=12",
                            "-O", "out.jsonl", cwd=tmp_path)
    assert "Traceback" not in log
    read = [path for path in server.requests if path.endswith(".xml")]
    assert len(read) == 12  # the two named, then children up to the document limit
    assert not any(path in read for path in ("/chain4.xml", "/chain5.xml"))  # depth 3 at most
    stats = stats_from_log(log)
    assert stats["newscrawl/discovery/sitemap/count_limited"] >= 1


def test_a_chain_of_sitemap_indexes_stops_at_the_depth_limit(serve, tmp_path):
    server = serve({f"/chain{n}.xml": sitemap_index(f"/chain{n + 1}.xml") for n in range(20)})
    status, log = run_crawl(server.base_url, "-a", "discover=sitemap", "-s", "YONHAP_SITEMAP_PATHS=/chain0.xml",
                            "-O", "out.jsonl", cwd=tmp_path)
    assert sorted(p for p in server.requests if p.endswith(".xml")) == ["/chain0.xml", "/chain1.xml", "/chain2.xml"]
    assert stats_from_log(log)["newscrawl/discovery/sitemap/depth_limited"] == 1


def test_feeds_are_read_entry_by_entry_and_a_broken_tail_keeps_what_came_before():
    from scrapy.http import XmlResponse
    from scrapy.utils.test import get_crawler

    from newscrawl.spiders.yonhap import YonhapSpider

    items = "".join(f"<item><link>https://en.yna.co.kr/view/AEN2023041900{n:02d}00320</link></item>" for n in range(50))
    body = f"<rss><channel>{items}<item><link>&amp;broken".encode() + b"\x00<<" * 10
    crawler = get_crawler(YonhapSpider, {"YONHAP_BASE_URL": "http://127.0.0.1:9", "NEWSCRAWL_STATE_ENABLED": False,
                                         "DUPEFILTER_CLASS": "newscrawl.components.dupefilter.ArticleDupeFilter"})
    crawler.spider = spider = YonhapSpider.from_crawler(crawler, discover="rss")
    requests = spider.parse_rss(XmlResponse("http://127.0.0.1:9/RSS/news.xml", body=body))

    async def read():
        first = await anext(requests)  # handed over before the rest of the feed is read
        return first, [request async for request in requests]

    first, rest = asyncio.run(read())
    assert first.url.endswith("/view/AEN20230419000000320")
    assert len([first, *rest]) == 50


def large_feed(kind: str, count: int) -> tuple[str, bytes]:
    """(path, body) of an RSS feed or a news sitemap of `count` distinct article links."""
    links = [f"https://en.yna.co.kr/view/AEN2023041{n // 1000}{n % 1000:04d}00320" for n in range(count)]
    if kind == "rss":
        return "/RSS/news.xml", ("<rss><channel>" + "".join(f"<item><link>{u}</link></item>" for u in links)
                                 + "</channel></rss>").encode()
    return "/news-sitemap.xml", ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                                 + "".join(f"<url><loc>{u}</loc></url>" for u in links) + "</urlset>").encode()


@pytest.mark.parametrize("kind", ["rss", "sitemap"])
def test_a_huge_feed_is_handed_out_as_the_downloader_has_room(serve, tmp_path, kind):
    # 5,000 links; the crawl closes after 300 pages. All along, the scheduler was given
    # a round of requests beyond what was fetched, not the whole feed, and the rest of
    # the feed was not read at the close.
    path, body = large_feed(kind, 5000)
    server = serve({path: body})
    status, log = run_crawl(server.base_url, "-a", f"discover={kind}", "-s", "CLOSESPIDER_PAGECOUNT=300",
                            "-s", "NEWSCRAWL_STATE_ENABLED=False", "-O", "out.jsonl", cwd=tmp_path)
    assert "Traceback" not in log and "'finish_reason': 'closespider_pagecount'" in log
    stats = stats_from_log(log)
    fetched = sum(count for path, count in server.requests.items() if path.startswith("/view/"))
    assert 290 <= fetched < 340
    # A round: CONCURRENT_REQUESTS queued, those downloading, and what Scrapy buffers of
    # a callback's output (2 x CONCURRENT_ITEMS) before it reaches the scheduler.
    assert stats["scheduler/enqueued"] - fetched < 100
    assert stats[f"newscrawl/discovery/{kind}/links"] - fetched < 100


def test_a_feed_larger_than_the_scrapers_budget_does_not_stall_the_crawl(serve, tmp_path):
    # Scrapy downloads nothing while the responses being processed exceed
    # SCRAPER_SLOT_MAX_ACTIVE_SIZE; the feed's callback must not wait for room then.
    server = serve(dict([large_feed("rss", 3000)]))
    status, log = run_crawl(server.base_url, "-a", "discover=rss", "-s", "SCRAPER_SLOT_MAX_ACTIVE_SIZE=100000",
                            "-s", "CONCURRENT_REQUESTS=2", "-s", "CLOSESPIDER_PAGECOUNT=30",
                            "-s", "NEWSCRAWL_STATE_ENABLED=False", "-O", "out.jsonl", cwd=tmp_path)
    assert "Traceback" not in log and "'finish_reason': 'closespider_pagecount'" in log


@pytest.mark.parametrize("body, encoding", [
    ((FIXTURES / "pages" / f"{TARGET}.html").read_bytes(), "utf-8"),
    (b"<html><body><p>a\x00b</p>\x00</body></html>", "utf-8"),  # NULs
    (b"<html><body><p>caf\xe9 \xff\xfe</p></body></html>", "utf-8"),  # not UTF-8
    ("<html><body><p>서울 — “quoted”</p></body></html>".encode("cp949", "replace"), "cp949"),
    (b"   ", "utf-8"),  # (an empty body never gets this far: response/empty)
    (b"<p>no html element</p>", "utf-8"),
])
def test_pages_are_parsed_as_parsel_parses_them(body, encoding):
    """html_selector (lxml's plain elements) reads every body as parsel's own Selector does."""
    from parsel import Selector

    from newscrawl.pages import html_selector

    ours, parsels = html_selector(body, encoding), Selector(body=body, encoding=encoding, type="html")
    assert ours.get() == parsels.get()
    assert ours.xpath("//text()").getall() == parsels.xpath("//text()").getall()
