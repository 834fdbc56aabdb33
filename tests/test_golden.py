"""Golden tests: every real page against an expected JSON of every field.

The expected files in fixtures/expected were written from the pages themselves
(their <p> text, meta tags and figures), not from the extractor's output.
"""
import dataclasses
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from newscrawl import extract_article
from newscrawl.items import ARTICLE_FIELDS

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = sorted((FIXTURES / "pages").glob("*.html"))
VARIANTS = FIXTURES / "variants"


def expected(article_id):
    return json.loads((FIXTURES / "expected" / f"{article_id}.json").read_text(encoding="utf-8"))


def extract(path):
    article = extract_article(path.read_bytes(), "")
    assert article is not None, path
    return dataclasses.asdict(article)


def test_all_real_pages_have_an_expectation():
    assert len(PAGES) == 11
    assert {p.stem for p in PAGES} == {p.stem for p in (FIXTURES / "expected").glob("*.json")}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_real_page_field_by_field(page):
    got = extract(page)
    want = expected(page.stem)
    assert set(want) | {"crawled_at", "fetched_from", "captured_at"} == set(ARTICLE_FIELDS)  # when and where: not in it
    for name, value in want.items():
        assert got[name] == value, f"{page.stem}.{name}"
    crawled = datetime.fromisoformat(got["crawled_at"])
    assert crawled.utcoffset() == timezone.utc.utcoffset(None)
    assert (got["fetched_from"], got["captured_at"]) == ("live", got["crawled_at"])  # the site's page, read now


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_body_holds_only_story_text(page):
    got = extract(page)
    for noise in ("(END)", "(MORE)", "@yna.co.kr", "(Yonhap) --", "Related Articles", "(ATTN", "Most Viewed",
                  "(Yonhap)\n", "PHOTO NOT FOR SALE"):
        assert noise not in got["body"], noise
    assert all(p.strip() == p and p for p in got["body"].split("\n\n"))
    assert all(photo["url"].startswith("https://") for photo in got["photos"])


def test_extract_accepts_text_and_bytes():
    page = FIXTURES / "pages" / "AEN20230419000952325.html"
    from_text = extract_article(page.read_text(encoding="utf-8"))
    from_bytes = extract_article(page.read_bytes())
    assert from_text.body == from_bytes.body and from_text.headline == from_bytes.headline


CLEAN = "AEN20230419002000320"


@pytest.mark.parametrize("variant, layout, end_marker", [
    ("widened_AEN20230419002000320.html", "2023", "END"),
    ("widened_noend_AEN20230419002000320.html", "2023", ""),
    ("layout2019_AEN20230419002000320.html", "2019", "END"),
    ("redesign_AEN20230419002000320.html", "meta", "END"),
])
def test_variants_give_the_clean_story(variant, layout, end_marker):
    got = extract(VARIANTS / variant)
    want = expected(CLEAN)
    assert got["layout"] == layout
    assert got["end_marker"] == end_marker
    for name in ("article_id", "headline", "byline", "dateline", "dateline_date", "published_at", "body",
                 "author_emails", "word_count", "keywords", "section"):
        assert got[name] == want[name], name
    assert "BTS" not in got["body"] and "Taemin" not in got["body"]


def test_layout2019_keeps_photos_and_related():
    got = extract(VARIANTS / "layout2019_AEN20230419002000320.html")
    want = expected(CLEAN)
    assert got["photos"] == want["photos"]
    assert got["related_ids"] == want["related_ids"]


def test_non_article_page_gives_no_item():
    assert extract_article((VARIANTS / "challenge.html").read_bytes()) is None
    assert extract_article(b"") is None
    assert extract_article("<html><body><p>x</p></body></html>") is None
