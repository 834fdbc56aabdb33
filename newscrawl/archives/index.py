"""Reading an archive's index outside a crawl (`newscrawl coverage`), politely: one
request at a time, a delay between two, 429 and 503 answered by waiting what
Retry-After asks (at most MAX_RETRY_AFTER s), other failures retried with backoff, and
every call bounded as a whole. No Scrapy import: the standard library's HTTP client.
"""
from __future__ import annotations

import time
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Callable, Iterator
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from newscrawl.archives.cdx import (Capture, CdxError, day_prefixes, parse_cdx_json_lines, parse_collections,
                                    parse_page_count, parse_wayback_json, window_prefix)
from newscrawl.archives.sources import ARCHIVED_HOSTS, ArchiveSource

MAX_ANSWER = 64 * 1024 * 1024
MAX_RETRY_AFTER = 300.0
RETRIES = 4


class IndexUnreadable(Exception):
    """The index could not be read; the message says where and why."""


def retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


class IndexReader:
    def __init__(self, source: ArchiveSource, delay: float, user_agent: str, timeout: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep, max_pages: int = 1000):
        self.source = source
        self.max_pages = max_pages  # index pages for one query at most
        self.delay = delay
        self.user_agent = user_agent
        self.timeout = timeout
        self.sleep = sleep
        self.requests = 0
        self._last = 0.0

    def _get(self, url: str) -> bytes:
        backoff = 1.0
        for attempt in range(RETRIES + 1):
            wait = self.delay - (time.monotonic() - self._last)
            if wait > 0:
                self.sleep(wait)
            self._last = time.monotonic()
            self.requests += 1
            try:
                return self._read(url)
            except HTTPError as error:
                if error.code == 404 and self.source.kind == "commoncrawl":
                    return b""  # Common Crawl's "No Captures found"; elsewhere a 404 is a wrong URL
                asked = retry_after(error.headers.get("Retry-After")) if error.code in (429, 503) else None
                if asked is not None and asked > MAX_RETRY_AFTER:
                    raise IndexUnreadable(f"{url}: {error.code}, Retry-After {asked:.0f} s is too long") from None
                if error.code < 500 and error.code != 429 or attempt == RETRIES:
                    raise IndexUnreadable(f"{url}: HTTP {error.code}") from None
                self.sleep(max(asked or 0.0, backoff))
            except (URLError, OSError) as error:
                if attempt == RETRIES:
                    raise IndexUnreadable(f"{url}: {getattr(error, 'reason', error)}") from None
                self.sleep(backoff)
            backoff = min(60.0, backoff * 2)
        raise IndexUnreadable(url)  # not reached

    def _read(self, url: str) -> bytes:
        """One answer, bounded as a whole by `timeout` (a server trickling a byte at a
        time never trips a per-read timeout) and by MAX_ANSWER bytes."""
        deadline = time.monotonic() + self.timeout
        chunks, size = [], 0
        with urlopen(Request(url, headers={"User-Agent": self.user_agent}), timeout=self.timeout) as answer:
            while chunk := answer.read1(64 * 1024):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_ANSWER:
                    raise IndexUnreadable(f"{url}: an answer of more than {MAX_ANSWER} bytes")
                if time.monotonic() > deadline:
                    raise IndexUnreadable(f"{url}: no whole answer within {self.timeout:g} s")
        return b"".join(chunks)

    def _lines(self, url: str) -> list[Capture]:
        body = self._get(url)
        try:
            return parse_cdx_json_lines(body)[0] if body.strip() else []
        except CdxError as error:
            raise IndexUnreadable(f"{url}: {error}") from None

    def _prefix(self, prefix: str) -> Iterator[Capture]:
        """The captures under a prefix (Wayback: every page of the answer)."""
        if self.source.kind != "wayback":
            yield from self._lines(self.source.prefix_query(prefix))
            return
        resume, keys = None, set()
        while True:
            url = self.source.prefix_query(prefix, resume)
            try:
                captures, resume, _ = parse_wayback_json(self._get(url))
            except CdxError as error:
                raise IndexUnreadable(f"{url}: {error}") from None
            yield from captures
            if not resume:
                return
            if resume in keys or len(keys) + 1 >= self.max_pages:
                raise IndexUnreadable(f"{url}: the index keeps paging (a resume key came again, or more than "
                                      f"{self.max_pages} pages)")
            keys.add(resume)

    def captures(self, since: date, until: date, lead_days: int, legacy_prefixes: tuple[str, ...] = ()
                 ) -> Iterator[Capture]:
        """Every capture of the window's article ids, by day prefix and host (Wayback,
        pywb; and the old host's day prefixes, `legacy_prefixes` templates with {day}) or
        once per crawl (Common Crawl)."""
        if self.source.kind == "commoncrawl":
            crawls = self.source.crawls or self.crawls()
            common = window_prefix(since, until, lead_days)
            for crawl in crawls:
                for host in ARCHIVED_HOSTS:
                    query = f"{host}/view/{common}"
                    body = self._get(self.source.prefix_query(query, crawl=crawl, count_pages=True))
                    try:
                        pages = parse_page_count(body) if body.strip() else 0
                    except CdxError as error:
                        raise IndexUnreadable(f"{crawl}: {error}") from None
                    if pages > self.max_pages:
                        raise IndexUnreadable(f"{crawl}: {pages} index pages for {query}, more than {self.max_pages}")
                    for page in range(pages):
                        yield from self._lines(self.source.prefix_query(query, crawl=crawl, page=page))
            return
        for prefix in day_prefixes(since, until, lead_days):
            for host in ARCHIVED_HOSTS:
                yield from self._prefix(f"{host}/view/{prefix}")
            day = date(int(prefix[3:7]), int(prefix[7:9]), int(prefix[9:11]))
            for template in legacy_prefixes:
                yield from self._prefix(template.format(day=day))

    def crawls(self) -> list[str]:
        try:
            return parse_collections(self._get(self.source.collections_url))
        except CdxError as error:
            raise IndexUnreadable(f"{self.source.collections_url}: {error}") from None
