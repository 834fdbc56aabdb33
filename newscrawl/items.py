"""The Article item: the columns analysts receive (docs/fields.md documents each)."""
from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass
class Article:
    article_id: str = ""  # AEN20230419000952325
    story_id: str = ""  # first 15 characters of article_id: all versions of a story share it
    revision: int = 0  # 0 original or (URGENT), 1 (LEAD), 2 (2nd LD), ...
    url: str = ""  # canonical https://en.yna.co.kr/view/<article_id>
    headline: str = ""  # without prefix and without " | Yonhap News Agency"
    headline_prefix: str = ""  # "(2nd LD)", "(News Focus)", "(LEAD) (Olympics)" or ""
    section: str = ""  # article:section, e.g. "North Korea", "Life,Health"
    keywords: list[str] = field(default_factory=list)  # without "#"
    byline: str = ""  # "Kang Yoon-seung"; "" when the story has none
    editor_note: str = ""  # text of the "(ATTN: ...)" line
    dateline: str = ""  # "SEOUL, April 19 (Yonhap)"
    dateline_city: str = ""  # "SEOUL"
    dateline_date: str = ""  # YYYY-MM-DD, year from published_at
    published_at: str = ""  # ISO 8601 with +09:00
    modified_at: str = ""  # ISO 8601 with +09:00
    body: str = ""  # the story's paragraphs, separated by a blank line
    author_emails: list[str] = field(default_factory=list)
    end_marker: str = ""  # "END", "MORE" or ""
    photos: list[dict] = field(default_factory=list)  # [{"url": https URL, "caption": text}]
    related_ids: list[str] = field(default_factory=list)  # ids from the Related Articles block
    word_count: int = 0  # words in body
    layout: str = ""  # "2023", "2019" or "meta" (fallback on meta tags)
    crawled_at: str = ""  # UTC, ISO 8601 with +00:00
    # Where the page came from: "live" (the site), "wayback", "commoncrawl" or a pywb
    # collection's URL; and when that page was captured (live: when it was fetched).
    fetched_from: str = "live"
    captured_at: str = ""  # UTC, ISO 8601 with +00:00


ARTICLE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article))
# Column types, for reading CSV feeds back (lists are JSON arrays there).
LIST_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article) if str(f.type).startswith("list"))
INT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article) if str(f.type) == "int")


def article_record(article: Article) -> dict:
    """The article's fields as a dict, in column order. Shallow (the lists are the
    article's own): several times faster than dataclasses.asdict, and exported items
    are not changed afterwards."""
    return {name: getattr(article, name) for name in ARTICLE_FIELDS}


def is_article_record(row: object) -> bool:
    """True for a row read back from a feed that can stand for an article: a JSON
    object whose article_id is an English article id and whose revision is a number."""
    from newscrawl.ids import parse_article_id

    if not isinstance(row, dict) or parse_article_id(row.get("article_id")) is None:
        return False
    revision = row.get("revision")
    return revision in (None, "") or isinstance(revision, int) and not isinstance(revision, bool)
