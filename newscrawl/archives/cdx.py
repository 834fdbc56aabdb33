"""CDX answers read into captures, and the choice of the capture to fetch for each
article version (no Scrapy import).

Two answer shapes exist: the Internet Archive's `output=json`, an array of arrays whose
first row names the fields (and, with `showResumeKey=true`, an empty row then a row
holding the resume key), and pywb's (Common Crawl's index server is pywb) JSON lines,
an object a line with `url`, `timestamp`, `status`, `digest`, `mime` and, for WARC
files, `filename`, `offset`, `length`. Anything else is a bad answer (CdxError): an
archive that returns an HTML error page with status 200, a JSON null, a cut line.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from newscrawl.ids import archived_article_id, parse_article_id

_TIMESTAMP = re.compile(r"\d{14}")
EARLIEST_CAPTURE = datetime(1996, 1, 1, tzinfo=timezone.utc)  # the first web archives' crawls
_WAYBACK_FIELDS = {"original": "url", "statuscode": "status", "mimetype": "mime"}


class CdxError(ValueError):
    """A CDX answer that is not one; the message says what it was."""


@dataclass(frozen=True)
class Capture:
    """One capture an index lists."""

    url: str  # the original URL as captured
    timestamp: str  # YYYYMMDDhhmmss, UTC
    status: int | None  # the original HTTP status (None: "-", a revisit or unknown)
    digest: str  # the payload's digest as the index gives it ("" if none)
    mime: str = ""
    filename: str = ""  # a WARC file (Common Crawl, pywb): where the record is
    offset: int | None = None
    length: int | None = None

    @property
    def article_id(self) -> str | None:
        """The English article id of an article page on Yonhap's hosts (the old one too), else None."""
        return archived_article_id(self.url)

    @property
    def captured_at(self) -> str:
        """The capture's time as ISO 8601 UTC (`2019-01-05T03:04:05+00:00`)."""
        moment = datetime.strptime(self.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
        return moment.isoformat()

    @property
    def has_range(self) -> bool:
        return bool(self.filename) and self.offset is not None and self.length is not None


def _number(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _plain(text: str) -> bool:
    """No white space or control character: nothing that could split a header line of
    the WARC record the URL goes into."""
    return not any(ord(char) <= 32 or ord(char) == 127 for char in text)


def _capture(fields: dict) -> Capture | None:
    """A capture from an index line's fields, None when it lacks a URL or a plausible
    time (none before the web was archived, none in the future)."""
    url, timestamp = fields.get("url"), str(fields.get("timestamp") or "")
    if not isinstance(url, str) or not url or not _plain(url) or not _TIMESTAMP.fullmatch(timestamp):
        return None
    try:
        moment = datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    if not EARLIEST_CAPTURE <= moment <= datetime.now(timezone.utc) + timedelta(days=1):
        return None
    if not _plain(str(fields.get("filename") or "")):
        return None
    return Capture(url=url, timestamp=timestamp, status=_number(fields.get("status")),
                   digest=str(fields.get("digest") or "").strip(), mime=str(fields.get("mime") or ""),
                   filename=str(fields.get("filename") or ""), offset=_number(fields.get("offset")),
                   length=_number(fields.get("length")))


def parse_wayback_json(body: bytes) -> tuple[list[Capture], str | None, int]:
    """The Internet Archive's JSON: (captures, the resume key or None, lines skipped)."""
    try:
        rows = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise CdxError("not JSON: " + _sample(body)) from None
    if rows == []:  # nothing captured
        return [], None, 0
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise CdxError("not an array of arrays: " + _sample(body))
    header, rest = rows[0], rows[1:]
    names = [_WAYBACK_FIELDS.get(str(name), str(name)) for name in header]
    if "url" not in names or "timestamp" not in names:
        raise CdxError(f"its first row names no url and timestamp fields: {header!r:.200}")
    resume = None
    if len(rest) >= 2 and rest[-2] == [] and len(rest[-1]) == 1:  # showResumeKey: [], [key]
        resume, rest = str(rest[-1][0]), rest[:-2]
    captures, skipped = [], 0
    for row in rest:
        capture = _capture(dict(zip(names, row))) if len(row) == len(names) else None
        if capture is None:
            skipped += 1
        else:
            captures.append(capture)
    return captures, resume, skipped


def parse_cdx_json_lines(body: bytes) -> tuple[list[Capture], int]:
    """pywb's (and Common Crawl's) JSON lines: (captures, lines skipped). An answer of
    which no line is a JSON object is no CDX answer at all (CdxError)."""
    captures, skipped, objects = [], 0, 0
    for line in body.splitlines():
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            skipped += 1
            continue
        if not isinstance(fields, dict):
            skipped += 1
            continue
        objects += 1
        capture = _capture(fields)
        if capture is None:
            skipped += 1
        else:
            captures.append(capture)
    if skipped and not objects:
        raise CdxError("no line is a JSON object: " + _sample(body))
    return captures, skipped


def parse_page_count(body: bytes) -> int:
    """The page count pywb answers to `showNumPages=true` (JSON `{"pages": N, ...}` or a
    bare number)."""
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise CdxError("no page count: " + _sample(body)) from None
    pages = answer.get("pages") if isinstance(answer, dict) else answer
    if isinstance(pages, bool) or not isinstance(pages, int) or pages < 0:
        raise CdxError("no page count: " + _sample(body))
    return pages


def parse_collections(body: bytes) -> list[str]:
    """Common Crawl's collinfo.json: the crawl ids (`CC-MAIN-2024-10`), newest first as
    listed."""
    try:
        crawls = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise CdxError("collinfo.json is not JSON: " + _sample(body)) from None
    if not isinstance(crawls, list):
        raise CdxError("collinfo.json is not a list of crawls")
    ids = [crawl.get("id") for crawl in crawls if isinstance(crawl, dict)]
    return [crawl for crawl in ids if isinstance(crawl, str) and re.fullmatch(r"[A-Za-z0-9._-]+", crawl)]


def _sample(body: bytes) -> str:
    return repr(body[:80].decode("utf-8", "replace"))


@dataclass
class ArticleCaptures:
    """What an index holds for one article version: its pages (status 200), newest
    first, one per digest, then the other copies of the same digests; its redirects
    (3xx), newest first."""

    pages: list[Capture]
    redirects: list[Capture]


def by_article(captures, since: date | None = None, until: date | None = None) -> dict[str, ArticleCaptures]:
    """The captures of English article pages grouped by article id, for ids whose date
    lies in [since, until]. Pages: status 200, newest first, duplicates (the same digest)
    after every distinct one; errors (4xx, 5xx) and revisits dropped; redirects kept apart, to be resolved
    through the index (their targets' captures), never by following Location."""
    grouped: dict[str, ArticleCaptures] = {}
    for capture in captures:
        article_id = capture.article_id
        if article_id is None:
            continue
        day = parse_article_id(article_id).day
        if day is None or (since and day < since) or (until and day > until):
            continue
        entry = grouped.setdefault(article_id, ArticleCaptures([], []))
        if capture.status == 200:
            entry.pages.append(capture)
        elif capture.status is not None and 300 <= capture.status < 400:
            entry.redirects.append(capture)
    for entry in grouped.values():
        entry.pages.sort(key=lambda capture: capture.timestamp, reverse=True)
        seen, unique, spares = set(), [], []
        for capture in entry.pages:
            key = capture.digest or capture.timestamp
            (spares if key in seen else unique).append(capture)
            seen.add(key)
        # The same bytes again come last: fetched only when a copy could not be read
        # from where the index said (a bad range, an archive that lost it).
        entry.pages = unique + spares
        entry.redirects.sort(key=lambda capture: capture.timestamp, reverse=True)
    return {article_id: entry for article_id, entry in grouped.items() if entry.pages or entry.redirects}


def day_prefixes(since: date, until: date, lead_days: int) -> list[str]:
    """The id prefixes `AENYYYYMMDD` from `lead_days` before `since` to `until`: an id
    carries its story's first day, and a later version published in the window may
    carry an earlier one."""
    first = since - timedelta(days=lead_days)
    return [f"AEN{first + timedelta(days=offset):%Y%m%d}" for offset in range((until - first).days + 1)]


def window_prefix(since: date, until: date, lead_days: int) -> str:
    """The id prefix every day of the window shares (a window within 2019: AEN2019), for
    an index read once (Common Crawl's): the common start of its first and last days'."""
    days = day_prefixes(since, until, lead_days)
    return os.path.commonprefix([days[0], days[-1]])

