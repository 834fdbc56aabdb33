"""The real crawler, over real HTTP, against a local mirror of the site."""
import csv
import subprocess
import sys
import json

import pytest

from conftest import DISALLOWED_ID, FIXTURES, REAL_PAGES, run_crawl, stats_from_log
from newscrawl.items import ARTICLE_FIELDS

REAL_IDS = sorted(p.stem for p in REAL_PAGES)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def test_crawl_mirror_into_csv_json_jsonl(mirror, tmp_path):
    status, log = run_crawl(mirror.base_url, "-O", "a.csv", "-O", "a.json", "-O", "a.jsonl", cwd=tmp_path)
    assert status == 0, log[-3000:]
    assert "Traceback" not in log
    new = sum(1 for i in REAL_IDS if i[-5:-3] == "00")  # originals; the rest are (LEAD)s and later versions
    assert log.strip().splitlines()[-1].endswith(
        f"crawl finished: {new} new articles and {len(REAL_IDS) - new} new revision{'' if len(REAL_IDS) - new == 1 else 's'}"
        f" exported; 0 skipped as exported before; 0 claimed by another crawl; feeds: a.csv (11 rows), a.json (11 rows),"
        f" a.jsonl (11 rows); healthy")

    header, rows = read_csv(tmp_path / "a.csv")
    assert header == list(ARTICLE_FIELDS)
    json_rows = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    jsonl_rows = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    for feed in (rows, json_rows, jsonl_rows):
        assert sorted(r["article_id"] for r in feed) == REAL_IDS  # every article exactly once
    assert list(json_rows[0]) == list(ARTICLE_FIELDS)
    assert list(jsonl_rows[0]) == list(ARTICLE_FIELDS)

    # Nothing from disallowed paths: not exported, never requested.
    assert f"/view/{DISALLOWED_ID}" not in mirror.requests
    stats = stats_from_log(log)
    assert stats["robotstxt/forbidden"] >= 1
    # RSS, sitemap and listing all link every article; each page was fetched once.
    assert all(mirror.requests[f"/view/{i}"] == 1 for i in REAL_IDS)
    assert {"/RSS/news.xml", "/news-sitemap.xml", "/news", "/news/2", "/news/3"} <= set(mirror.requests)
    assert stats["newscrawl/discovery/rss/links"] == 12
    assert stats["newscrawl/discovery/sitemap/links"] == 12
    assert stats["newscrawl/layout/2023"] == 11
    assert stats["item_scraped_count"] == 11

    # The CSV is the same data: lists are JSON arrays, numbers read back.
    by_id = {r["article_id"]: r for r in jsonl_rows}
    for row in rows:
        full = by_id[row["article_id"]]
        for name in ("keywords", "author_emails", "photos", "related_ids"):
            assert json.loads(row[name]) == full[name]
        assert int(row["revision"]) == full["revision"]
        assert row["body"] == full["body"]
    for article_id in REAL_IDS:
        want = json.loads((FIXTURES / "expected" / f"{article_id}.json").read_text(encoding="utf-8"))
        assert {k: by_id[article_id][k] for k in want} == want


def test_default_feed_is_one_jsonl_per_run_under_the_data_dir(mirror, tmp_path):
    env = {"NEWSCRAWL_DATA_DIR": str(tmp_path / "store")}
    status, log = run_crawl(mirror.base_url, "-a", "discover=rss", cwd=tmp_path, env=env)
    assert status == 0, log[-3000:]
    feeds = list((tmp_path / "store" / "feeds").glob("yonhap-*.jsonl"))
    assert len(feeds) == 1
    assert sorted(json.loads(line)["article_id"] for line in feeds[0].read_text().splitlines()) == REAL_IDS


def test_explicit_urls_leaked_tail_unknown_layout_and_non_article(serve, tmp_path):
    variants = FIXTURES / "variants"
    server = serve({
        "/view/AEN20230419002000320": (variants / "widened_AEN20230419002000320.html").read_bytes(),
        # the same article again under another address: exported once
        "/view/AEN20230419002000399": (variants / "widened_AEN20230419002000320.html").read_bytes(),
        "/view/AEN20230419004400320": (variants / "redesign_AEN20230419002000320.html").read_bytes()
        .replace(b"AEN20230419002000320", b"AEN20230419004400320"),
        "/view/AEN20230419777700315": (variants / "challenge.html").read_bytes(),
    })
    urls = tmp_path / "urls.txt"
    urls.write_text("# explicit pages on the mirror\n"
                    f"{server.base_url}/view/AEN20230419002000320?input=rss\n"
                    f"{server.base_url}/view/AEN20230419002000399\n\n"
                    f"{server.base_url}/view/AEN20230419004400320\n"
                    f"{server.base_url}/view/AEN20230419777700315\n")
    status, log = run_crawl(server.base_url, "-a", f"urls_file={urls}", "-O", "out.jsonl", cwd=tmp_path)
    # The crawl ran, but it is not healthy: one explicit URL of four gave no article
    # (the challenge page), one page matched no known layout. Exit status 3, and the report
    # says which checks failed.
    assert status == 3, log[-3000:]
    report = json.loads((tmp_path / "out.report.json").read_text())
    assert report["healthy"] is False
    assert report["failed_checks"] == ["items", "unfetched_ratio", "unknown_layout"]
    assert "crawl unhealthy: failed checks items, unfetched_ratio, unknown_layout" in log
    rows = {r["article_id"]: r for r in map(json.loads, (tmp_path / "out.jsonl").read_text().splitlines())}
    assert sorted(rows) == ["AEN20230419002000320", "AEN20230419004400320"]
    want = json.loads((FIXTURES / "expected" / "AEN20230419002000320.json").read_text())
    assert rows["AEN20230419002000320"]["body"] == want["body"]  # the leaked headlines are gone
    assert rows["AEN20230419004400320"]["layout"] == "meta"
    assert rows["AEN20230419004400320"]["body"] == want["body"]
    stats = stats_from_log(log)
    # Both copies are cleaned: dedup runs last, so an invalid first copy cannot hide a valid one.
    assert stats["newscrawl/boilerplate/related_removed"] == 6
    assert stats["newscrawl/dropped/duplicate"] == 1
    assert stats["newscrawl/layout/unknown"] == 1  # the redesign
    assert stats["newscrawl/response/not_article"] == 1  # the challenge page: no row, no layout alarm
    assert f"not an article page (challenge, consent or error page?), skipped: {server.base_url}/view/AEN20230419777700315" in log
    assert "Traceback" not in log


@pytest.mark.parametrize("args, message", [
    (["-a", "since=2023-13-01"], "since must be a date YYYY-MM-DD (KST), got '2023-13-01'"),
    (["-a", "since=2023-05-01", "-a", "until=2023-04-01"], "until (2023-04-01) is before since (2023-05-01)"),
    (["-a", "max_pages=0"], "max_pages must be a whole number of at least 1, got '0'"),
    (["-a", "sections=weather"], "unknown section 'weather'"),
    (["-a", "urls=https://en.yna.co.kr/news"], "not an article URL"),
    (["-a", "urls_file=/nonexistent/urls.txt"], "urls_file '/nonexistent/urls.txt' does not exist"),
    (["-a", "discover=rss,atom"], "discover takes rss, sitemap, listing; got atom"),
    (["-a", "sinse=2023-01-01"], "unknown argument(s) sinse"),
    (["-s", 'YONHAP_RSS_PATHS=["/RSS/news.xml"]'], "YONHAP_RSS_PATHS takes paths on the site such as /RSS/news.xml"),
    (["-a", "sections=/nk index"], "not a listing path: '/nk index'"),
])
def test_bad_spider_arguments(args, message, tmp_path):
    status, log = run_crawl("http://127.0.0.1:9", *args, cwd=tmp_path)
    assert status == 2
    assert message in log
    assert "Traceback" not in log


def test_since_until_window(mirror, tmp_path):
    status, log = run_crawl(mirror.base_url, "-a", "since=2023-04-19", "-a", "until=2023-04-19", "-a", "discover=rss,sitemap",
                            "-O", "w.jsonl", cwd=tmp_path)
    assert status == 0, log[-3000:]
    ids = sorted(json.loads(line)["article_id"] for line in (tmp_path / "w.jsonl").read_text().splitlines())
    assert ids == [i for i in REAL_IDS if i.startswith("AEN20230419")]  # the 2019 story is outside
    stats = stats_from_log(log)
    assert stats["newscrawl/discovery/rss/out_of_range"] == 1
    assert "/view/AEN20190820002300325" not in mirror.requests


def test_csv_formula_guard_in_feeds(serve, tmp_path):
    page = (FIXTURES / "pages" / "AEN20230419004400320.html").read_bytes()
    hostile = page.replace(b"Mezzion Pharma to raise 50 bln won via stock offering</h1>",
                           b"=HYPERLINK(&quot;http://x&quot;) Mezzion</h1>")
    assert hostile != page
    server = serve({"/view/AEN20230419004400320": hostile})
    url = f"{server.base_url}/view/AEN20230419004400320"
    status, log = run_crawl(server.base_url, "-a", f"urls={url}", "-O", "g.csv", "-O", "g.jsonl", cwd=tmp_path)
    assert status == 0, log[-2000:]
    _, rows = read_csv(tmp_path / "g.csv")
    assert rows[0]["headline"] == "'=HYPERLINK(\"http://x\") Mezzion"
    assert json.loads((tmp_path / "g.jsonl").read_text())["headline"] == "=HYPERLINK(\"http://x\") Mezzion"
    # The state store remembers the page; refetch exports it again.
    status, log = run_crawl(server.base_url, "-a", f"urls={url}", "-a", "refetch=true", "-O", "off.csv",
                            "-s", "NEWSCRAWL_CSV_FORMULA_GUARD=False", cwd=tmp_path)
    assert read_csv(tmp_path / "off.csv")[1][0]["headline"] == "=HYPERLINK(\"http://x\") Mezzion"


def test_listing_pagination_stops_at_max_pages_and_since(mirror, tmp_path):
    status, log = run_crawl(mirror.base_url, "-a", "discover=listing", "-a", "max_pages=2", "-O", "p.jsonl", cwd=tmp_path)
    assert status == 0, log[-2000:]
    assert "/news/2" in mirror.requests and "/news/3" not in mirror.requests
    # 4 a page; page 1 also lists the article robots.txt forbids, which is not fetched.
    assert len((tmp_path / "p.jsonl").read_text().splitlines()) == 7
    assert f"/view/{DISALLOWED_ID}" not in mirror.requests

    mirror.requests.clear()
    # Listing dates have no year ("15:41 Apr. 19"): they resolve to the nearest one to
    # today, so a `since` after the newest listed day stops the listing at page 1.
    status, log = run_crawl(mirror.base_url, "-a", "discover=listing", "-a", "since=2099-01-01", "-O", "s.jsonl", cwd=tmp_path)
    assert status == 3, log[-2000:]  # a run that finds nothing is unhealthy
    assert "0 articles accounted for" in log
    assert "/news" in mirror.requests and "/news/2" not in mirror.requests
    assert stats_from_log(log)["newscrawl/discovery/listing/out_of_range"] == 4
    assert not any(path.startswith("/view/") for path in mirror.requests)


def test_listing_days_come_from_article_ids_and_backfills_show_progress(mirror, tmp_path):
    old_story = "AEN20190820002300325"  # listed as "Aug. 20", with no year: 2019 by its id
    mirror.article_delay = 0.15
    status, log = run_crawl(mirror.base_url, "-a", "discover=listing", "-a", "since=2020-01-01", "-O", "b.jsonl",
                            "-s", "NEWSCRAWL_PROGRESS_INTERVAL=0.3", "-s", "CONCURRENT_REQUESTS=1", cwd=tmp_path)
    assert status == 0, log[-2000:]
    assert f"/view/{old_story}" not in mirror.requests  # out of the window, so not fetched
    stats = stats_from_log(log)
    assert stats["newscrawl/discovery/listing/out_of_range"] == 1
    assert "newscrawl/discovery/listing/date_mismatch" not in stats
    assert "newscrawl/filtered/out_of_range" not in stats
    assert "progress: day reached 2023-04-19 (since 2020-01-01), " in log and "% done" in log and "ETA" in log
    assert not list((tmp_path / "data" / "progress").glob("*.json"))  # gone once the run ended


def test_urls_file_errors_name_lines_not_their_text(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("https://en.yna.co.kr/view/AEN20230419004700315\nroot:x:0:0:root:/root:/bin/bash\n")
    status, log = run_crawl("http://127.0.0.1:9", "-a", f"urls_file={secret}", cwd=tmp_path)
    assert status == 2
    assert "line(s) 2 hold no article URL" in log
    assert "root:x" not in log


def test_control_ports_are_off_and_csv_guard_on():
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("newscrawl.settings")
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getbool("NEWSCRAWL_CSV_FORMULA_GUARD") is True
    assert settings.getbool("ROBOTSTXT_OBEY") is True
    assert settings.getint("DOWNLOAD_MAXSIZE") == 8 * 1024 * 1024


@pytest.mark.parametrize("setting", ["TELNETCONSOLE_ENABLED=True", "REMOTE_CONTROL_ENABLED=1"])
def test_a_crawl_refuses_settings_that_open_control_ports(mirror, tmp_path, setting):
    status, log = run_crawl(mirror.base_url, "-s", setting, "-O", "x.jsonl", cwd=tmp_path)
    assert status == 2 and "would open a control port" in log and "Traceback" not in log
    assert mirror.requests == {}
    # Started without the crawl command (as a script with CrawlerProcess), it refuses too.
    from conftest import clean_env
    script = ("from scrapy.crawler import CrawlerProcess; from scrapy.utils.project import get_project_settings; "
              f"s = get_project_settings(); s.set('{setting.split('=')[0]}', True, priority='cmdline'); "
              f"s.set('YONHAP_BASE_URL', '{mirror.base_url}'); p = CrawlerProcess(s); p.crawl('yonhap'); p.start()")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env=clean_env(SCRAPY_SETTINGS_MODULE="newscrawl.settings"))
    assert "would open a control port" in result.stderr
    assert "Telnet console listening" not in result.stderr and mirror.requests == {}


def test_a_crawl_refuses_a_duplicate_filter_that_would_not_skip_exported_articles(mirror, tmp_path):
    status, log = run_crawl(mirror.base_url, "-s", "DUPEFILTER_CLASS=scrapy.dupefilters.RFPDupeFilter", "-O", "x.jsonl",
                            cwd=tmp_path)
    assert status == 2 and "Traceback" not in log
    assert "DUPEFILTER_CLASS must be newscrawl.components.dupefilter.ArticleDupeFilter or a subclass" in log.strip().splitlines()[-1]
    assert mirror.requests == {}


@pytest.mark.parametrize("setting, new_path", [
    ("DUPEFILTER_CLASS=newscrawl.dupefilter.ArticleDupeFilter", "newscrawl.components.dupefilter.ArticleDupeFilter"),
    ('EXTENSIONS={"newscrawl.incremental.IncrementalState": 500}', "newscrawl.components.incremental.IncrementalState"),
    ('FEED_STORAGES={"file": "newscrawl.incremental.DurableFileFeedStorage"}',
     "newscrawl.components.incremental.DurableFileFeedStorage"),
])
def test_a_crawl_whose_settings_name_a_moved_component_stops_naming_the_new_path(mirror, tmp_path, setting, new_path):
    status, log = run_crawl(mirror.base_url, "-s", setting, "-O", "x.jsonl", cwd=tmp_path)
    assert status == 2 and "Traceback" not in log and "ImportError" not in log
    assert f"which is now {new_path}" in log.strip().splitlines()[-1]
    assert mirror.requests == {} and not (tmp_path / "x.jsonl").exists()


def test_explicit_urls_at_special_addresses_are_refused_unless_allowed(tmp_path):
    url = "http://169.254.169.254/view/AEN20230419004700315"
    status, log = run_crawl("http://127.0.0.1:9", "-a", f"urls={url}", cwd=tmp_path)
    assert status == 2 and f"refused: {url} is at a link-local address" in log and "Traceback" not in log
    (tmp_path / "urls.txt").write_text(f"https://en.yna.co.kr/view/AEN20230419002000320\n{url}\n")
    status, log = run_crawl("http://127.0.0.1:9", "-a", "urls_file=urls.txt", cwd=tmp_path)
    assert status == 2 and "line(s) 2 point to link-local, private or other special addresses" in log
    assert "169.254" not in log.split("line(s) 2")[0][-300:]
    # A host named in NEWSCRAWL_ALLOWED_HOSTS is planned (checked without fetching it).
    from scrapy.settings import Settings

    from newscrawl.spiders.yonhap import plan_from_arguments
    settings = Settings()
    settings.setmodule("newscrawl.settings")
    settings.set("NEWSCRAWL_ALLOWED_HOSTS", "169.254.169.254")
    assert plan_from_arguments(settings, urls=url).explicit_urls == (url,)


def test_an_unreachable_site_is_named_in_the_final_line(tmp_path):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    status, log = run_crawl(f"http://127.0.0.1:{port}", "-O", "x.jsonl", "-s", "RETRY_TIMES=0", cwd=tmp_path)
    assert status == 3
    last = log.strip().splitlines()[-1]
    assert f"crawl failed: http://127.0.0.1:{port} could not be reached (" in last and "ConnectionRefused" in last
    assert "Traceback" not in log  # Scrapy's robots.txt middleware logs one line, not its traceback


def test_extraction_in_worker_processes_gives_the_same_rows(mirror, tmp_path):
    rows = {}
    for processes in (0, 2):
        status, log = run_crawl(mirror.base_url, "-O", f"p{processes}.jsonl", "-s", f"NEWSCRAWL_EXTRACT_PROCESSES={processes}",
                                "-s", "NEWSCRAWL_STATE_ENABLED=False", cwd=tmp_path)
        assert status == 0, log[-3000:]
        rows[processes] = {r["article_id"]: {k: v for k, v in r.items() if k not in ("crawled_at", "captured_at")}
                           for r in map(json.loads, (tmp_path / f"p{processes}.jsonl").open())}
        assert stats_from_log(log)["newscrawl/layout/2023"] == 11
    assert sorted(rows[2]) == REAL_IDS and rows[2] == rows[0]
