"""Every run judges itself: real crawls of healthy, redesigned and empty mirrors."""
import json
import re
from pathlib import Path

from conftest import REAL_PAGES, run_crawl
from newscrawl.mirror import MirrorServer, build_site, load_articles, synthetic_articles

# A redesign: the containers the 2023 and 2019 layouts look for are renamed.
REDESIGN = [(b'class="story-news"', b'class="story-body-v3"'), (b"title-article01", b"headline-v3"),
            (b'class="view-body', b'class="article-view-v3')]
BYLINE_PARAGRAPH = re.compile(rb"<p>By [^<]{3,60}</p>")


def crawl_site(site, tmp_path, *args):
    server = MirrorServer(site).start()
    try:
        status, log = run_crawl(server.base_url, *args, cwd=tmp_path)
    finally:
        server.stop()
    reports = list((tmp_path / "data" / "feeds").glob("*.report.json"))
    assert len(reports) == 1, log[-3000:]
    return status, log, json.loads(reports[0].read_text())


def edited_site(articles, edit):
    site = build_site(articles)
    for path, (content_type, body) in site.items():
        if path.startswith("/view/"):
            edited = edit(body)
            assert edited != body, path
            site[path] = (content_type, edited)
    return site


def test_the_real_pages_crawl_healthy(tmp_path):
    status, log, report = crawl_site(build_site(load_articles(REAL_PAGES)), tmp_path)
    assert status == 0, log[-3000:]
    assert report["healthy"] is True and report["failed_checks"] == []
    names = {check["name"] for check in report["checks"]}
    assert {"items", "finish_reason", "error_ratio", "dropped_ratio", "unknown_layout",
            "coverage/byline", "coverage/dateline_city", "coverage/body"} <= names
    assert report["items_exported"] == 11 and report["job"] == "local"
    assert "[Spidermon] OK" in log and "Traceback" not in log


def test_a_redesigned_site_fails_naming_the_fields_that_went_missing(tmp_path):
    def redesign(body):
        for old, new in REDESIGN:
            body = body.replace(old, new)
        return body

    status, log, report = crawl_site(edited_site(load_articles(REAL_PAGES), redesign), tmp_path)
    assert status == 3
    assert report["healthy"] is False and report["failed_checks"] == ["unknown_layout"]
    check = next(c for c in report["checks"] if c["name"] == "unknown_layout")
    assert check["value"] == 11 and check["missing_fields"] == ["photos", "related_ids"]
    assert "fields empty on all 11 exported fallback items: photos, related_ids" in check["message"]
    assert "crawl unhealthy: failed checks unknown_layout" in log
    assert "Traceback" not in log


def test_bylines_lost_at_scale_fail_the_coverage_check(tmp_path):
    articles = synthetic_articles(load_articles(REAL_PAGES), 150, seed=5)
    with_bylines = sum(bool(BYLINE_PARAGRAPH.search(a.html)) for a in articles)
    assert with_bylines > 30
    site = build_site(articles, listing_page_size=20)
    for path, (content_type, body) in site.items():
        if path.startswith("/view/"):  # Yonhap moved the byline out of the story text
            site[path] = (content_type, BYLINE_PARAGRAPH.sub(b"", body))
    status, log, report = crawl_site(site, tmp_path, "-a", "discover=sitemap")
    assert status == 3, log[-3000:]
    assert report["failed_checks"] == ["coverage/byline"]
    check = next(c for c in report["checks"] if c["name"] == "coverage/byline")
    assert check["message"].startswith("byline in 0 of 150 items (0%); normal share 10%, so few by chance")


def test_a_run_that_finds_no_articles_fails(tmp_path):
    status, log, report = crawl_site(build_site([]), tmp_path)
    assert status == 3
    assert report["failed_checks"] == ["items"]
    assert report["items_exported"] == 0
    assert "0 articles accounted for (0 exported, 0 exported before or by another crawl) from 0 links found" in log
    assert Path(report["feeds"][0]["path"]).is_file()  # an empty feed, not a missing one
