"""Clean a plain-text dump of a Yonhap story into a record (used by `newscrawl clean`).

A dump is what a browser's "copy text" or a generic extractor gives: the headline on
the first line, then the story, then often the related-headlines tail.
"""
from __future__ import annotations

from datetime import date, datetime

from newscrawl.text.dateline import parse_dateline, resolve_year
from newscrawl.text.headline import split_headline
from newscrawl.text.story import is_note_or_byline, parse_story, split_paragraphs

# The record's fields, in output order (the crawl's items reuse these names).
RECORD_FIELDS = (
    "source",
    "headline",
    "headline_prefix",
    "revision",
    "editor_note",
    "byline",
    "dateline",
    "dateline_city",
    "dateline_date",
    "body",
    "author_emails",
    "end_marker",
    "related_removed",
)

# A first line longer than this is a paragraph, not a headline.
MAX_HEADLINE_CHARS = 250


class NoStoryError(ValueError):
    """The text holds nothing recognisable as a Yonhap story."""


def _is_structural(line: str) -> bool:
    return is_note_or_byline(line) or parse_dateline(line) is not None


def clean_dump(text: str, source: str = "", reference: date | datetime | None = None) -> dict:
    """The record of one dumped story.

    `reference` is the time the dateline's date is resolved against (normally the
    publish time). Without it the year is unknown and dateline_date is "": the
    month and day stay readable in the raw `dateline`.
    Raises NoStoryError when the text has neither a dateline nor an end marker.
    """
    paragraphs = split_paragraphs(text)
    if not paragraphs:
        raise NoStoryError("empty text")
    headline_raw = ""
    first = paragraphs[0]
    # The first line is the headline unless it already is part of the story.
    if "\n" not in first and len(first) <= MAX_HEADLINE_CHARS and not _is_structural(first) and len(paragraphs) > 1:
        headline_raw = first
        paragraphs = paragraphs[1:]
    story = parse_story(paragraphs)
    if not story.dateline and not story.end_marker:
        raise NoStoryError("no Yonhap story found (no dateline and no (END)/(MORE) marker)")
    if not story.paragraphs:
        raise NoStoryError("the story has no body text")
    headline = split_headline(headline_raw)
    dateline_date = ""
    if reference is not None and story.dateline_month and story.dateline_day:
        resolved = resolve_year(story.dateline_month, story.dateline_day, reference)
        dateline_date = resolved.isoformat() if resolved else ""
    return {
        "source": source,
        "headline": headline.headline,
        "headline_prefix": headline.prefix,
        "revision": headline.revision,
        "editor_note": story.editor_note,
        "byline": story.byline,
        "dateline": story.dateline,
        "dateline_city": story.dateline_city,
        "dateline_date": dateline_date,
        "body": story.body,
        "author_emails": story.author_emails,
        "end_marker": story.end_marker,
        "related_removed": story.related_removed,
    }
