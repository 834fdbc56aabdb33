"""From a fetched page to a finished Article, step by step (no Scrapy import).

One code path for every way a page comes in: the crawl (the spider reads the page
with `read_page`, the item pipelines run the other steps, each a thin adapter over
one function here), `newscrawl reextract` over web archives and the crawl's worker
processes (`finish_article` runs those same steps in the same order), and
`extract_article` for one saved page. The raw Article's `body` is the
story container's text as the page gave it (paragraphs separated by blank lines),
still holding the note, byline, dateline, e-mails, end marker and whatever leaked in.
"""
from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from newscrawl.ids import canonical_url, parse_article_id
from newscrawl.items import Article, article_record
from newscrawl.pages import ArticlePage, html_selector, page_for
from newscrawl.schema import schema_validator
from newscrawl.text.dateline import parse_dateline, resolve_year
from newscrawl.text.headline import revision_from_prefix
from newscrawl.text.story import Story, parse_story
from newscrawl.text.times import utc_now

REQUIRED_FIELDS = ("article_id", "url", "headline", "published_at", "body")
# Searched in the lower-cased tail: a case-blind pattern has no literal to skip ahead by.
_HTML_END = re.compile(rb"</html\s*>")


def article_from_page(page: ArticlePage, crawled_at: str | None = None) -> Article:
    """The raw Article of a page: every field the page itself holds."""
    article_id = page.article_id()
    parsed = parse_article_id(article_id)
    prefix = page.headline_prefix()
    revision = parsed.revision if parsed and parsed.revision is not None else revision_from_prefix(prefix)
    return Article(
        article_id=article_id,
        story_id=parsed.story_id if parsed else "",
        revision=revision,
        url=canonical_url(article_id) if article_id else "",
        headline=page.headline(),
        headline_prefix=prefix,
        section=page.section(),
        keywords=page.keywords(),
        published_at=page.published_at(),
        modified_at=page.modified_at(),
        body="\n\n".join(page.story_paragraphs()),
        photos=page.photos(),
        related_ids=page.related_ids(),
        layout=page.layout,
        crawled_at=(crawled := crawled_at or utc_now()),
        captured_at=crawled,
    )


@dataclass
class Reading:
    """What a page gave: the raw Article, or the stat that says why not (`skipped`,
    e.g. "response/truncated"); `counts`: stats to add, keys under newscrawl/;
    `notes`: what to log (a warning each)."""

    article: Article | None = None
    skipped: str | None = None
    counts: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)


def body_encoding(declared: str, body: bytes) -> str:
    """The page's encoding: UTF-8 when the body is valid UTF-8, whatever was declared
    (the English site is UTF-8; a stray EUC-KR/CP949 label would garble every quote
    and dash), else what was declared (header, BOM or meta, as Scrapy found it)."""
    if codecs.lookup(declared).name == "utf-8":
        return declared
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return declared
    return "utf-8"


def read_page(body: bytes, declared_encoding: str, url: str, crawled_at: str | None = None) -> Reading:
    """The raw Article of a fetched article page, or why there is none: empty, cut off
    part-way (no </html>: a proxy or the site stopped sending), or no article (no
    known layout and no publish time: a challenge, consent or error page)."""
    reading = Reading()
    if not body.strip():
        reading.skipped = "response/empty"
        return reading
    if not _HTML_END.search(body[-4096:].lower()):
        reading.skipped = "response/truncated"
        return reading
    encoding = body_encoding(declared_encoding, body)
    if encoding != declared_encoding:
        reading.counts["response/charset_mismatch"] += 1
        reading.notes.append(f"declared {declared_encoding} but the body is UTF-8; read as UTF-8")
    # A Selector of its own, never a response's cached one (a cycle through the
    # response keeps each page's lxml tree alive until a full garbage collection).
    page = page_for(html_selector(body, encoding), url)
    if page.layout == "meta" and not page.published_at():
        reading.skipped = "response/not_article"
        return reading
    reading.counts[f"layout/{page.layout}"] += 1
    for problem in page.time_problems():
        # Treated as missing: published_at falls back to CONTENT_DATA, modified_at to published_at.
        reading.counts[f"time/{problem}"] += 1
        reading.notes.append(f"{problem} publish or modify time in the page's meta tags, treated as missing")
    if page.layout == "meta":
        reading.counts["layout/unknown"] += 1
        reading.notes.append("page matches no known layout, trying meta tags")
    reading.article = article_from_page(page, crawled_at)
    return reading


def revision_conflict(article: Article) -> bool:
    """True when the id's version and the headline's (LEAD)/(Nth LD) tag disagree."""
    return bool(article.headline_prefix or article.revision) and revision_from_prefix(article.headline_prefix) != article.revision


def clean_story(article: Article) -> Story:
    """Split the raw body into note, byline, dateline, body, e-mails and end marker,
    dropping the related-headlines tail and paragraphs that repeat a photo caption."""
    captions = {photo["caption"] for photo in article.photos if photo.get("caption")}
    paragraphs = [p for p in article.body.split("\n\n") if p.strip() and p.strip() not in captions]
    story = parse_story(paragraphs)
    article.editor_note = story.editor_note
    article.byline = story.byline
    article.dateline = story.dateline
    article.body = story.body
    article.author_emails = story.author_emails
    article.end_marker = story.end_marker
    article.word_count = len(story.body.split())
    return story


def story_step(article: Article) -> Counter:
    """The story-text step (clean_story) with the stats it gives."""
    story = clean_story(article)
    counts = Counter()
    if story.related_removed:
        counts["boilerplate/related_removed"] += story.related_removed
        counts["boilerplate/items_with_tail"] += 1
    if story.markers_in_body:
        # "(MORE)"/"(END)" with more story after it: kept as text, not an ending.
        counts["story/end_marker_in_body"] += story.markers_in_body
    if revision_conflict(article):
        counts["revision/prefix_mismatch"] += 1
    return counts


def schema_errors(article: Article, validator) -> dict[str, str]:
    """Field -> message for each way the record breaks the Article JSON schema."""
    errors: dict[str, str] = {}
    for error in validator.iter_errors(article_record(article)):
        name = ".".join(str(part) for part in error.absolute_path) or "item"
        errors.setdefault(name, error.message if len(error.message) <= 160 else error.message[:157] + "...")
    return errors


@dataclass
class Finished:
    """An Article through every pipeline step, or the stat that dropped it (`dropped`,
    e.g. "dropped/missing_headline", with `detail`); `counts` as in Reading."""

    article: Article | None
    dropped: str | None = None
    detail: str = ""
    counts: Counter = field(default_factory=Counter)


def finish_article(article: Article, validator) -> Finished:
    """The item pipelines' steps, in their order (settings.ITEM_PIPELINES): story text,
    dateline, required fields, schema. Deduplication is the caller's."""
    counts = story_step(article)
    counts[f"dateline/{normalize_dateline(article)}"] += 1
    if missing := missing_required(article):
        return Finished(None, f"dropped/missing_{missing}", counts=counts)
    if errors := schema_errors(article, validator):
        counts.update(f"schema/errors/{name}" for name in errors)
        detail = "; ".join(f"{name}: {message}" for name, message in sorted(errors.items()))
        return Finished(None, "dropped/invalid", detail, counts)
    return Finished(article, counts=counts)


def normalize_dateline(article: Article) -> str:
    """Fill dateline_city and dateline_date (year from published_at).

    Returns what happened: "resolved", "no_date" (a dateless "SEOUL --" or a day that
    does not exist), "no_publish_time" or "no_dateline".
    """
    article.dateline_city = article.dateline_date = ""
    dateline = parse_dateline(article.dateline + " --") if article.dateline else None
    if not dateline:
        return "no_dateline"
    article.dateline_city = dateline.city
    if dateline.month is None or dateline.day is None:
        return "no_date"
    if not article.published_at:
        return "no_publish_time"
    resolved = resolve_year(dateline.month, dateline.day, datetime.fromisoformat(article.published_at))
    if resolved is None:
        return "no_date"
    article.dateline_date = resolved.isoformat()
    return "resolved"


def missing_required(article: Article) -> str | None:
    """The first required field that is empty, or None."""
    for name in REQUIRED_FIELDS:
        if not getattr(article, name):
            return name
    return None


def extract_article(html: str | bytes, url: str = "") -> Article | None:
    """The finished Article of one page, without Scrapy; None if it is not a whole
    article page or a step drops it. The crawl's steps (read_page, finish_article)."""
    body = html.encode("utf-8") if isinstance(html, str) else html
    if not body or not body.strip():
        return None
    reading = read_page(body, "utf-8", url)
    if reading.article is None:
        return None
    return finish_article(reading.article, schema_validator()).article
