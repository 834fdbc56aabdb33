"""A crawl through faults: about a fifth of the mirror's responses go wrong, by a fixed
seed, and every good article is still exported exactly once, every fault counted."""
import json
from datetime import datetime, timezone

import pytest

from conftest import REAL_PAGES, run_crawl, stats_from_log
from newscrawl.mirror import (FAULTS, HARMLESS_FAULTS, TRANSIENT_FAULTS, FaultPlan, MirrorServer, build_site,
                              load_articles, synthetic_articles)
from newscrawl.processing import extract_article
from newscrawl.text.dateline import KST

FAST_RETRIES = ["-s", "DOWNLOAD_TIMEOUT=2", "-s", "NEWSCRAWL_RETRY_BACKOFF_BASE=0.2", "-s", "CONCURRENT_REQUESTS=8",
                "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory):
    real = load_articles(REAL_PAGES)
    synthetic = synthetic_articles(real, 89, seed=3, newest=datetime(2022, 6, 30, tzinfo=KST))
    articles = sorted(real + synthetic, key=lambda a: (a.published, a.article_id), reverse=True)
    site = build_site(articles)
    article_paths = sorted(p for p in site if p.startswith("/view/"))
    # Every fault once, on its own article, the RSS feed failing once, and 5% more
    # transient faults by seed: about a fifth of the paths.
    by_path = {path: mode for path, mode in zip(article_paths[::5], FAULTS)}
    assert set(by_path.values()) == set(FAULTS)
    by_path["/RSS/news.xml"] = "http_503"
    plan = FaultPlan(by_path=by_path, rate=0.05, seed=11, modes=TRANSIENT_FAULTS, slow_seconds=3)
    server = MirrorServer(site, faults=plan).start()
    workdir = tmp_path_factory.mktemp("faults")
    try:
        status, log = run_crawl(server.base_url, "-O", "out.jsonl", *FAST_RETRIES, cwd=workdir)
    finally:
        server.stop()
    rows = [json.loads(line) for line in (workdir / "out.jsonl").read_text().splitlines()]
    report = json.loads((workdir / "out.report.json").read_text())
    return server, status, log, rows, report, articles


def test_every_good_article_exactly_once_and_nothing_else(faulty_crawl):
    server, status, log, rows, report, articles = faulty_crawl
    good = {a.article_id for a in articles
            if server.faulted.get(f"/view/{a.article_id}") in (None, *TRANSIENT_FAULTS, *HARMLESS_FAULTS)}
    exported = [row["article_id"] for row in rows]
    assert sorted(exported) == sorted(good)
    assert len(set(exported)) == len(exported)
    assert len(server.faulted) >= 18 and 0.15 <= len(server.faulted) / len(site_paths(server)) <= 0.3
    assert "Traceback" not in log and "Unhandled" not in log
    assert server.early_retries == []  # no retry before the 429's Retry-After had passed


def site_paths(server):
    return [p for p in server.site if p != "/robots.txt"]


def test_every_fault_is_counted(faulty_crawl):
    server, status, log, rows, report, articles = faulty_crawl
    stats = stats_from_log(log)
    expected = {
        "http_500": "retry/reason_count/500 Internal Server Error",
        "http_502": "retry/reason_count/502 Bad Gateway",
        "http_503": "retry/reason_count/503 Service Unavailable",
        "throttle_429": "newscrawl/retry/retry_after_honoured",
        "slow": "retry/reason_count/scrapy.exceptions.DownloadTimeoutError",
        "reset": "retry/reason_count/scrapy.exceptions.ResponseDataLossError",
        "truncated_html": "newscrawl/response/truncated",
        "moved_once": "downloader/response_status_count/301",
        "not_found_404": "newscrawl/request_failed/http_404",
        "gone_410": "newscrawl/request_failed/http_410",
        "challenge": "newscrawl/response/not_article",
        "empty_body": "newscrawl/response/empty",
        "offsite_redirect": "offsite/filtered",  # Scrapy filters the redirect before any errback
        "redirect_loop": "newscrawl/request_failed/redirect_loop",
        "oversize": "newscrawl/request_failed/too_large",
        "oversize_unannounced": "newscrawl/request_failed/too_large",
        "gzip_bomb": "newscrawl/request_failed/too_large",
        "bad_dates": "newscrawl/dropped/missing_published_at",
        "euc_kr_declared": "newscrawl/response/charset_mismatch",
        "bad_meta_dates": "item_scraped_count",  # read from CONTENT_DATA instead: see the test below
    }
    assert set(expected) == set(FAULTS)
    too_large = sum(1 for mode in server.faulted.values() if mode.startswith(("oversize", "gzip_bomb")))
    assert stats["newscrawl/request_failed/too_large"] == too_large
    for fault, stat in expected.items():
        assert stats.get(stat, 0) >= 1, (fault, stat)
        assert report["stats"].get(stat, 0) >= 1, (fault, stat)  # in the health report too
    assert stats["newscrawl/retry/truncated"] >= 1
    assert server.requests["/RSS/news.xml"] == 2  # failed once, retried
    # Every good article came through, so the run is healthy; the report says how many
    # article links gave nothing, and why (the stats above are in it).
    assert status == 0 and report["healthy"] is True, report["failed_checks"]
    unfetched = next(c for c in report["checks"] if c["name"] == "unfetched_ratio")
    assert unfetched["message"].startswith("9 of 100 article pages requested gave no article")


@pytest.mark.parametrize("fault,field", [("euc_kr_declared", "body"), ("bad_meta_dates", "published_at")])
def test_harmless_faults_give_the_right_values(faulty_crawl, fault, field):
    server, status, log, rows, report, articles = faulty_crawl
    path = next(p for p, mode in server.faulted.items() if mode == fault)
    page = next(a for a in articles if f"/view/{a.article_id}" == path)
    row = next(r for r in rows if r["article_id"] == page.article_id)
    assert row[field] == getattr(extract_article(page.html), field)


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
          + b']><rss><channel><item><title>&lol9;</title><link>https://en.yna.co.kr/view/AEN20230419004700315</link>'
          + b"</item></channel></rss>")
XXE = (b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&xxe;</loc></url></urlset>')


def test_hostile_and_broken_feeds_are_skipped_with_a_stat(serve, tmp_path):
    server = serve({"/RSS/laughs.xml": LAUGHS, "/RSS/garbage.xml": b"this is not XML <<< &&& \x00\xff",
                    "/RSS/huge.xml": b"<rss>" + b"<item></item>" * 800_000 + b"</rss>", "/xxe-sitemap.xml": XXE})
    status, log = run_crawl(server.base_url, "-a", "discover=rss,sitemap", "-O", "out.jsonl",
                            "-s", "YONHAP_RSS_PATHS=/RSS/laughs.xml,/RSS/garbage.xml,/RSS/huge.xml",
                            "-s", "YONHAP_SITEMAP_PATHS=/xxe-sitemap.xml", "-s", "DOWNLOAD_MAXSIZE=5000000",
                            cwd=tmp_path)
    stats = stats_from_log(log)
    assert stats["newscrawl/discovery/rss/entities_refused"] == 1
    assert stats["newscrawl/discovery/sitemap/entities_refused"] == 1
    assert "rss declares XML entities (entity expansion or external entities), skipped" in log
    assert stats["newscrawl/discovery/rss/empty"] == 1  # the garbage feed: read what parses, nothing
    assert stats["downloader/exception_type_count/scrapy.exceptions.DownloadCancelledError"] == 1  # the huge one
    assert stats["newscrawl/discovery/rss/failed"] == 1 and "rss page could not be fetched, skipped" in log
    assert "root:" not in log and "lollollol" not in log  # nothing expanded, nothing read from disk
    assert "Traceback" not in log
    assert status == 3  # no articles at all: the run says so


@pytest.mark.parametrize("header,seconds", [(b"7", 7.0), (b" 120 ", 120.0), (b"Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
                                            (b"soon", None), (None, None)])
def test_retry_after_header(header, seconds):
    from newscrawl.middlewares import retry_after_seconds

    assert retry_after_seconds(header) == seconds
    now = datetime(2015, 10, 21, 7, 28, tzinfo=timezone.utc)
    assert retry_after_seconds(b"Wed, 21 Oct 2015 07:28:30 GMT", now=now) == 30.0


@pytest.mark.parametrize("rules, arguments", [
    # every explicit article page waits for the slow robots.txt together
    ("Disallow: /view/\n", ["-a", "urls=" + ",".join(f"/view/{p.stem}" for p in REAL_PAGES)]),
    # the feeds, sitemap and listing wait for it together
    ("Disallow: /\n", []),
])
def test_robots_txt_is_obeyed_by_every_request_that_waited_for_it(tmp_path, rules, arguments):
    site = build_site(load_articles(REAL_PAGES))
    site["/robots.txt"] = ("text/plain", f"User-agent: *\n{rules}".encode())
    server = MirrorServer(site, faults=FaultPlan(by_path={"/robots.txt": "slow"}, slow_seconds=1.0)).start()
    try:
        urls = [argument.replace("/view/", f"{server.base_url}/view/") for argument in arguments]
        status, log = run_crawl(server.base_url, "-O", "out.jsonl", *urls, cwd=tmp_path)
    finally:
        server.stop()
    assert set(server.requests) == {"/robots.txt"}, server.requests
    assert (tmp_path / "out.jsonl").read_text() == ""
    assert stats_from_log(log)["robotstxt/forbidden"] == (len(REAL_PAGES) if arguments else 3)


def test_a_shutdown_ends_a_retry_after_wait(tmp_path):
    import signal
    import subprocess
    import time

    from conftest import crawl_command

    site = build_site(load_articles(REAL_PAGES))
    throttled = f"/view/{REAL_PAGES[0].stem}"
    server = MirrorServer(site, faults=FaultPlan(by_path={throttled: "throttle_429"}, retry_after=100)).start()
    try:
        command, env = crawl_command(server.base_url, "-O", "out.jsonl", "-a", f"urls={server.base_url}{throttled}")
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while server.requests.get(throttled) != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the middleware is waiting out Retry-After: 100 now
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=60)
        took = time.monotonic() - sent
    finally:
        server.stop()
    assert took < 10, f"stopping took {took:.0f} s"
    assert "Traceback" not in log
    assert stats_from_log(log)["newscrawl/retry/cut_at_shutdown"] == 1
    assert server.requests[throttled] == 1  # not retried early
