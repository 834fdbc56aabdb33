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


@pytest.mark.parametrize("markup, key, content", [
    ('<meta property="og:title" content=" A "><meta property="og:title" content="B">', "og:title", "A"),  # the first
    ('<meta name="og:title" content="by name">', "og:title", "by name"),
    ('<meta property="x" name="og:title" content="no">', "og:title", ""),  # keyed by its property
    ('<meta property="" name="og:title" content="empty property">', "og:title", "empty property"),
    ('<meta property="og:title">', "og:title", ""),  # no content
    ('<meta name="description" content="head">', "og:title", ""),
])
def test_meta_reads_the_first_meta_of_a_key(markup, key, content):
    from newscrawl.pages import MetaPage, html_selector

    page = MetaPage(html_selector(f"<html><head>{markup}</head><body></body></html>".encode()))
    assert page.meta(key) == content


def test_a_meta_only_in_the_body_is_read_and_the_head_comes_first():
    from newscrawl.pages import MetaPage, html_selector

    html = ('<html><head><meta property="a" content="head"></head><body><meta property="a" content="body">'
            '<meta property="b" content="body only"></body></html>')
    page = MetaPage(html_selector(html.encode()))
    assert (page.meta("a"), page.meta("b")) == ("head", "body only")


def _css_photos(figures):
    """Photos as the layouts' CSS selectors say, through parsel (the reference)."""
    photos = []
    for figure in figures:
        if src := figure.css("img::attr(src)").get():
            caption = " ".join(" ".join(figure.css("figcaption p.txt-desc ::text").getall()).split())
            photos.append((src.strip(), caption or " ".join((figure.css("img::attr(alt)").get() or "").split())))
    return photos


ALL_PAGES = [*PAGES, *sorted(VARIANTS.glob("*.html")), *sorted((FIXTURES / "revisions").glob("*.html"))]


@pytest.mark.parametrize("page", ALL_PAGES, ids=lambda p: p.stem)
def test_the_layouts_compiled_lookups_find_what_their_css_selectors_select(page):
    """The page objects walk the tree and run compiled XPath instead of Selector.css():
    on every page held, what they find is what the layout's CSS selectors select."""
    from newscrawl.ids import article_id_from_url
    from newscrawl.pages import html_selector, page_for

    selector = html_selector(page.read_bytes())
    found = page_for(selector)
    if found.layout == "meta":
        return
    assert found.headline_texts() == selector.css(found.HEADLINE_CSS + " ::text").getall()
    assert found.keyword_texts() == selector.css(found.KEYWORDS_CSS).getall()
    story = selector.css(found.STORY)[0]
    figures = story.css("figure.image-zone") if found.layout == "2023" else story.css("figure")
    related = story.css(("div.related-group " if found.layout == "2023" else "") + "ul#moreArticleNews li a::attr(href)")
    assert [(photo["url"].removeprefix("https:"), photo["caption"]) for photo in found.photos()] == [
        (src.removeprefix("https:").removeprefix("http:"), caption) for src, caption in _css_photos(figures)]
    assert found.related_ids() == list(dict.fromkeys(filter(None, map(article_id_from_url, related.getall()))))


@pytest.mark.parametrize("markup, keep_blank, text", [
    ("<p>  One   line\u00a0of text </p>", False, "One line of text"),
    ("<p></p>", False, ""),
    ("<p>first\n  second</p>", False, "first\nsecond"),  # a line break in the source text
    ("<p>a<br>b<br/><br/>c</p>", False, "a\nb\nc"),
    ("<p>a<br>b<br/><br/>c</p>", True, "a\nb\n\nc"),
    ("<p>x <b>bold <i>deep</i></b> tail</p>", False, "x bold deep tail"),
    ("<p>kept<script>var no = 1;</script> after<style>p {}</style>.</p>", False, "kept after."),
    ("<p>a<!-- a comment --> b</p>", False, "a b"),
])
def test_element_lines_reads_a_paragraph_as_its_lines(markup, keep_blank, text):
    from newscrawl.pages import html_selector
    from newscrawl.pages.base import element_lines

    paragraph = html_selector(f"<html><body>{markup}</body></html>".encode()).root.find(".//p")
    assert element_lines(paragraph, keep_blank) == text
