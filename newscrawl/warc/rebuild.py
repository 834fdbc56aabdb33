"""Rebuilding articles from web archives (`newscrawl reextract`), with no network.

Every 200 response whose URL has a `/view/AEN...` path on one of Yonhap's hosts
(en.yna.co.kr, m-en.yna.co.kr), on loopback (our own mirror's archives) or on a host
NEWSCRAWL_ALLOWED_HOSTS names goes through exactly the crawl's steps:
`processing.read_page` then `processing.finish_article` (schema validation included),
with the capture's WARC-Date as crawled_at. A page of any other host is counted and
skipped (its body is never held: a forged capture of `evil.example/view/AEN...` is no
Yonhap row), and so is a capture whose time is missing, unparsable, before 1996 or
more than a day ahead (a damaged record: it would otherwise win "newest capture").
Reading the archives (warcio, in this process) streams, a record's block bounded by
MAX_BLOCK_BYTES (a gzip bomb is read through and dropped); decoding and extraction run
in worker processes, a bounded number of captures in flight, so memory stays flat
however large the archives are.
(No Scrapy import: the page's declared encoding is found with w3lib, the library
Scrapy's responses use for it.)
"""
from __future__ import annotations

import ipaddress
import multiprocessing
import os
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import islice
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from newscrawl.ids import YONHAP_HOSTS, article_id_from_url
from newscrawl.items import article_record
from newscrawl.processing import finish_article, read_page
from newscrawl.schema import schema_validator
from newscrawl.state import StateStore
from newscrawl.warc.decode import TooLarge, content_encodings, decode_body
from newscrawl.warc.reader import Capture, Captures

# A body larger than this once decoded is refused, as the crawl's DOWNLOAD_MAXSIZE does;
# a record's block (HTTP headers and the body as stored) larger than this is not kept.
MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_BLOCK_BYTES = MAX_BODY_BYTES + 1024 * 1024
# The web has no archived page from before this: an earlier WARC-Date is damage.
EARLIEST_CAPTURE = datetime(1996, 1, 1, tzinfo=timezone.utc)
BATCH = 16  # captures handed to a worker at a time


@dataclass(frozen=True)
class Page:
    """What a worker needs of one capture (picklable, small)."""

    url: str
    date: str  # crawled_at: the capture's WARC-Date as ISO 8601 UTC
    headers: tuple[tuple[str, str], ...]
    body: bytes  # as stored: still content-encoded
    location: tuple[str, int, int]  # WARC path, offset, length
    archive: str = ""  # WARC-Source-Archive: the page came from another archive (wayback, ...)


@dataclass
class Extracted:
    """A worker's answer for one page: the record, or the stat that says why not."""

    record: dict | None
    outcome: str  # "exported" or e.g. "dropped/missing_body", "response/not_article", "too_large"
    counts: Counter
    location: tuple[str, int, int]


def crawled_at(warc_date: str, now: datetime | None = None) -> str:
    """A WARC-Date (`2026-11-28T03:20:05.123456Z`) as the crawl writes crawled_at; "" when
    it is missing, unparsable, before 1996 or more than a day ahead of `now`."""
    try:
        moment = datetime.fromisoformat(warc_date.strip().replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    if not EARLIEST_CAPTURE <= moment <= now + timedelta(days=1):
        return ""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def yonhap_capture(allowed_hosts: Iterable[str] = ()) -> Callable[[str], bool]:
    """Whether a capture's URL is a Yonhap article page: its host one of Yonhap's,
    loopback (our mirror's archives) or one of `allowed_hosts`."""
    allowed = {host.lower() for host in allowed_hosts}

    def is_yonhap(url: str) -> bool:
        if not article_id_from_url(url):
            return False
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        if host in YONHAP_HOSTS or host in allowed or host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    return is_yonhap


def declared_encoding(content_type: str, body: bytes) -> str:
    """The encoding a page declares, found as Scrapy's TextResponse finds it: the
    Content-Type header's charset, else a BOM, else the HTML's <meta charset>, else UTF-8."""
    return (http_content_type_encoding(content_type) or read_bom(body)[0] or html_body_declared_encoding(body)
            or "utf-8")


def extract_page(page: Page) -> Extracted:
    """One capture through the crawl's steps (runs in a worker process)."""
    codings = content_encodings([v for k, v in page.headers if k.lower() == "content-encoding"])
    try:
        body = decode_body(page.body, codings, MAX_BODY_BYTES)
    except TooLarge:
        return Extracted(None, "too_large", Counter(), page.location)
    except ValueError:
        return Extracted(None, "undecodable", Counter(), page.location)
    content_type = next((v for k, v in page.headers if k.lower() == "content-type"), "")
    reading = read_page(body, declared_encoding(content_type, body), page.url, crawled_at=page.date or None)
    if reading.article is None:
        return Extracted(None, reading.skipped, reading.counts, page.location)
    if page.archive:  # captured by another archive: the row says which, and when (WARC-Date)
        reading.article.fetched_from = page.archive
    finished = finish_article(reading.article, schema_validator())
    counts = reading.counts + finished.counts
    if finished.article is None:
        return Extracted(None, finished.dropped, counts, page.location)
    return Extracted(article_record(finished.article), "exported", counts, page.location)


def _extract_batch(pages: list[Page]) -> list[Extracted]:
    return [extract_page(page) for page in pages]


def pages_of(captures: Iterable[Capture], outcomes: Counter | None = None) -> Iterator[Page]:
    """The article pages among captures (status 200; captures already limited to
    Yonhap article URLs); one without a plausible capture time is counted in `outcomes`
    as damaged/capture_time and skipped."""
    for capture in captures:
        if capture.status != 200 or not article_id_from_url(capture.url):
            continue
        when = crawled_at(capture.date)
        if not when:
            if outcomes is not None:
                outcomes["damaged/capture_time"] += 1
            continue
        yield Page(capture.url, when, tuple(capture.headers), capture.body, (capture.path, capture.offset, capture.length),
                   capture.source_archive)


def extract_all(pages: Iterable[Page], processes: int) -> Iterator[Extracted]:
    """extract_page over pages, in `processes` worker processes (0: in this one), with
    a bounded number of batches in flight; results in input order. One worker already
    overlaps reading the archives (here) with extraction (there)."""
    if processes <= 0:
        yield from map(extract_page, pages)
        return
    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    with context.Pool(processes) as pool:
        in_flight: deque = deque()
        iterator = iter(pages)
        while batch := list(islice(iterator, BATCH)):
            in_flight.append(pool.apply_async(_extract_batch, (batch,)))
            while len(in_flight) >= processes * 4:
                yield from in_flight.popleft().get()
        while in_flight:
            yield from in_flight.popleft().get()


@dataclass
class Rebuild:
    """What a rebuild read and made; the records are in `store` (one row per article
    version, the newest capture's, with where it is archived)."""

    store: StateStore
    files: int = 0
    records: int = 0  # WARC records of every type
    pages: int = 0  # Yonhap article captures (status 200)
    outcomes: Counter = field(default_factory=Counter)  # "exported", "dropped/...", "response/...", "too_large"
    counts: Counter = field(default_factory=Counter)  # the crawl's stats, keys under newscrawl/
    damaged: list[str] = field(default_factory=list)  # "file: what went wrong"

    @property
    def articles(self) -> int:
        return self.store.count()


def rebuild(files: list[str], processes: int, scratch: StateStore,
            progress: Callable[[int], None] = lambda n: None, allowed_hosts: Iterable[str] = ()) -> Rebuild:
    """Read every file's captures, extract the Yonhap article pages (`yonhap_capture`),
    and keep each article version's newest capture in `scratch` (a state store used as a
    sorted spill to disk: memory stays flat). `progress` is told how many more bytes
    were read."""
    result = Rebuild(scratch, files=len(files))
    is_yonhap = yonhap_capture(allowed_hosts)

    def wanted(url: str) -> bool:
        if is_yonhap(url):
            return True
        if article_id_from_url(url):
            result.outcomes["response/other_host"] += 1  # a /view/AEN... page of another host
        return False

    newest: dict[str, str] = {}  # article_id -> crawled_at of the capture kept
    batch: list[tuple[dict, tuple[str, int, int]]] = []

    def flush() -> None:
        scratch.record_with_locations(batch)
        batch.clear()

    def all_pages() -> Iterator[Page]:
        for path in files:
            captures = Captures(path, wanted=wanted, max_block=MAX_BLOCK_BYTES)
            reported = 0
            for page in pages_of(captures, result.outcomes):
                result.pages += 1
                progress(captures.bytes_read - reported)
                reported = captures.bytes_read
                yield page
            progress(captures.bytes_read - reported)
            result.records += captures.records
            if captures.too_large:
                result.outcomes["too_large"] += captures.too_large
            if captures.not_warc:
                result.damaged.append(f"{path}: not a WARC file ({captures.damage})")
            elif captures.damage:
                result.damaged.append(f"{path}: damaged WARC at {captures.damage}; the whole records were read")

    for extracted in extract_all(all_pages(), processes):
        result.outcomes[extracted.outcome] += 1
        result.counts.update(extracted.counts)
        record = extracted.record
        if record is None:
            continue
        seen = newest.get(record["article_id"])
        if seen is not None and seen > record["crawled_at"]:
            result.outcomes["older_capture"] += 1
            continue
        newest[record["article_id"]] = record["crawled_at"]
        batch.append((record, extracted.location))
        if len(batch) >= 500:
            flush()
    flush()
    return result


def default_processes() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
