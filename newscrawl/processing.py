"""From a page object to a finished Article, step by step (no Scrapy import).

The spider builds the raw Article from a page (`article_from_page`); the item
pipelines run the other steps, each a thin adapter over one function here, and
`extract_article` runs them all without Scrapy. The raw Article's `body` is the
story container's text as the page gave it (paragraphs separated by blank lines),
still holding the note, byline, dateline, e-mails, end marker and whatever leaked in.
"""
from __future__ import annotations

from datetime import datetime, timezone

from parsel import Selector

from newscrawl.ids import canonical_url, parse_article_id
from newscrawl.items import Article
from newscrawl.pages import ArticlePage, page_for
from newscrawl.text.dateline import parse_dateline, resolve_year
from newscrawl.text.headline import revision_from_prefix
from newscrawl.text.story import Story, parse_story

REQUIRED_FIELDS = ("article_id", "url", "headline", "published_at", "body")


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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
        crawled_at=crawled_at or utc_now(),
    )


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
    """The finished Article of one page, without Scrapy; None if it is not an article.

    Runs the same steps as a crawl's pipelines (story text, dateline, validation).
    """
    if not html or not html.strip():
        return None
    if isinstance(html, bytes):
        selector = Selector(body=html, type="html", encoding="utf-8")
    else:
        selector = Selector(text=html, type="html")
    article = article_from_page(page_for(selector, url))
    clean_story(article)
    normalize_dateline(article)
    return None if missing_required(article) else article
