"""Discovery through a web archive's CDX index (`-a archive=SOURCE`): the yonhap
spider's archive mode (docs/archive.md, "Backfilling from public archives").

An article id carries its story's KST day, so one URL-prefix query per day and host
(`en.yna.co.kr/view/AEN20190105`, and `m-en.yna.co.kr`) lists a day's captured
versions on the Wayback Machine or a pywb collection, starting
NEWSCRAWL_ARCHIVE_LEAD_DAYS before `since` (a later version published in the window
keeps its story's first day). Common Crawl has an index per crawl: each is queried
once by the `/view/` prefix and paged through, newest crawl first.

For each article version: its newest status-200 capture (one per digest), older ones
when that one fails or is not an article page; a version with only redirect captures
is resolved through the index (the redirect's own capture is read for its Location,
whose captures are then looked up), never by following Location, which leads to the
live site: an archive crawl requests nothing from en.yna.co.kr. Whether a version is
fetched at all is the duplicate filter's call, as in a live crawl (exported before,
claimed by another crawl). With `refetch`, captures with the digest of the capture the
stored row came from are passed over, and a capture's article replaces the row only
when its modified_at is later.
"""
from __future__ import annotations

import logging
from datetime import date, datetime

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError

from newscrawl.archives.cdx import (Capture, CdxError, by_article, day_prefixes, parse_cdx_json_lines,
                                    parse_collections, parse_page_count, parse_wayback_json, window_prefix)
from newscrawl.archives.sources import ARCHIVED_HOSTS, ArchiveSource
from newscrawl.components.dupefilter import ARTICLE_ID
from newscrawl.components.replay import CAPTURE_KEY
from newscrawl.ids import article_id_from_url, canonical_url, parse_article_id
from newscrawl.text.dateline import KST

logger = logging.getLogger(__name__)

INDEX_PRIORITY = 0  # below article pages: captures are fetched as the index is read
MAX_LATE_CAPTURES = 5  # captures of an id in flight kept from later index answers
# Index queries and capture fetches are calls of an API the archive offers for programs,
# not a crawl of its site: its robots.txt (written for crawlers of its replay pages) is
# not consulted. Its rate limits are kept (docs/archive.md, "Politeness").
# A 404 from an index is an answer too: Common Crawl's "No Captures found", else a wrong URL.
ARCHIVE_API = {"dont_obey_robotstxt": True, "handle_httpstatus_list": [404]}


class ArchiveDiscovery:
    """Mixed into YonhapSpider: `archive_requests` starts an archive crawl; the
    callbacks read index answers and choose captures."""

    def archive_requests(self):
        source: ArchiveSource = self.plan.archive
        # Ids done with this run: exported, or held already. Ids whose captures are being
        # tried, with the captures listed since (a later index page, another crawl):
        # tried when the chain's own run out. A chain that ends without an article lets
        # the id go: a later index page may list a capture that works.
        self._archive_done: set[str] = set()
        self._in_flight: dict[str, list[Capture]] = {}
        self._crawls = source.crawls
        if self.plan.explicit_urls and (source.kind != "commoncrawl" or source.crawls):
            yield from self._explicit_requests()
            return
        if source.kind == "commoncrawl":
            if source.crawls:
                for crawl in source.crawls:
                    yield from self._crawl_pages_request(crawl)
            else:
                yield scrapy.Request(source.collections_url, callback=self.parse_collections,
                                     errback=self.index_failed, dont_filter=True, priority=INDEX_PRIORITY, meta=dict(ARCHIVE_API))
            return
        until = self._last_day()
        legacy = self.settings.getlist("NEWSCRAWL_ARCHIVE_LEGACY_PREFIXES")
        for prefix in day_prefixes(self.plan.since, until, self.settings.getint("NEWSCRAWL_ARCHIVE_LEAD_DAYS")):
            # Every host of a day before its captures are chosen: a version captured on
            # several counts once, from its best capture.
            day = datetime.strptime(prefix[3:], "%Y%m%d").date()
            queries = [f"{host}/view/{prefix}" for host in ARCHIVED_HOSTS]
            queries += [template.format(day=day) for template in legacy]
            yield self._day_request(queries, [])

    def _last_day(self) -> date:
        """`until`, but never past today (KST): an archive holds the past only."""
        today = datetime.now(KST).date()
        return min(self.plan.until or today, today)

    # -- index queries ------------------------------------------------------------
    def _explicit_requests(self):
        """-a urls_file=missing.txt: the captures of each URL's article, on both hosts."""
        for url in self.plan.explicit_urls:
            article_id = article_id_from_url(url)
            for host in ARCHIVED_HOSTS:
                yield from self._exact_requests(f"{host}/view/{article_id}", article_id)

    def _exact_requests(self, url: str, wanted: str):
        """The captures of one article's URL, its query-string variants too
        (`/view/ID?section=...`): a prefix query of `host/view/ID`."""
        source: ArchiveSource = self.plan.archive
        for crawl in self._crawls if source.kind == "commoncrawl" else (None,):
            yield scrapy.Request(source.prefix_query(url, crawl=crawl), callback=self.parse_exact,
                                 errback=self.index_failed,
                                 dont_filter=True, priority=INDEX_PRIORITY, meta=dict(ARCHIVE_API), cb_kwargs={"wanted": wanted})

    def _day_request(self, queries: list[str], found: list[Capture], resume_key: str | None = None,
                     keys: tuple[str, ...] = ()):
        """The first of a day's prefix queries (`keys`: the resume keys it was given so
        far); the rest follow it (parse_day), also when one fails (day_failed)."""
        source: ArchiveSource = self.plan.archive
        return scrapy.Request(source.prefix_query(queries[0], resume_key), callback=self.parse_day,
                              errback=self.day_failed, dont_filter=True, priority=INDEX_PRIORITY,
                              meta=dict(ARCHIVE_API), cb_kwargs={"queries": queries, "found": found, "keys": keys})

    def _crawl_pages_request(self, crawl: str):
        """A crawl's index, read once per host (first its page count)."""
        source: ArchiveSource = self.plan.archive
        for host in ARCHIVED_HOSTS:
            prefix = self._cc_prefix(host)
            yield scrapy.Request(source.prefix_query(prefix, crawl=crawl, count_pages=True),
                                 callback=self.parse_page_count, errback=self.index_failed, dont_filter=True,
                                 priority=INDEX_PRIORITY, meta=dict(ARCHIVE_API), cb_kwargs={"crawl": crawl, "prefix": prefix})

    def _cc_prefix(self, host: str) -> str:
        """The /view/ prefix a crawl's index is read with: narrowed to the window's
        common id prefix (a window within 2019 reads en.yna.co.kr/view/AEN2019)."""
        common = window_prefix(self.plan.since, self._last_day(), self.settings.getint("NEWSCRAWL_ARCHIVE_LEAD_DAYS"))
        return f"{host}/view/{common}"

    def _captures(self, response) -> list[Capture] | None:
        """The captures an index answer lists, None (counted, logged) for a bad answer."""
        source: ArchiveSource = self.plan.archive
        if response.status == 404 and source.kind == "commoncrawl":
            return []  # Common Crawl's index says "No Captures found" so
        try:
            if source.kind == "wayback":
                captures, resume, skipped = parse_wayback_json(response.body)
                response.meta["newscrawl_resume_key"] = resume
            else:
                captures, skipped = parse_cdx_json_lines(response.body)
        except CdxError as error:
            self._inc("archive/index/bad_answers")
            logger.error("the archive's index gave no CDX answer for %s: %s", response.url, error)
            return None
        if source.kind == "commoncrawl":  # a record is fetched by its range: a line without one is no capture
            ranged = [capture for capture in captures if capture.has_range and capture.length > 0]
            skipped, captures = skipped + len(captures) - len(ranged), ranged
        if skipped:
            self._inc("archive/index/bad_lines", skipped)
            logger.warning("%d index lines that are no capture skipped: %s", skipped, response.url)
        self._inc("archive/index/queries")
        self._inc("archive/index/captures", len(captures))
        return captures

    def parse_day(self, response, queries: list[str], found: list[Capture], keys: tuple[str, ...] = ()):
        captures = self._captures(response)
        if captures is not None:
            found = found + captures
            if resume := response.meta.get("newscrawl_resume_key"):
                limit = self.settings.getint("NEWSCRAWL_ARCHIVE_MAX_INDEX_PAGES")
                if resume in keys or len(keys) + 1 >= limit:
                    # An index that hands out a key again, or never stops: what came is kept.
                    self._inc("archive/index/endless")
                    logger.error("the archive's index keeps paging %s (%s): stopped after %d pages", queries[0],
                                 "a resume key came again" if resume in keys else "NEWSCRAWL_ARCHIVE_MAX_INDEX_PAGES",
                                 len(keys) + 1)
                else:
                    yield self._day_request(queries, found, resume, (*keys, resume))
                    return
        yield from self._next_query(queries, found)

    def _next_query(self, queries: list[str], found: list[Capture]):
        if len(queries) > 1:
            yield self._day_request(queries[1:], found)
        else:
            yield from self._choose(found)

    def day_failed(self, failure):
        """A day's query that could not be read: the day's other queries still run."""
        self.index_failed(failure)
        kwargs = failure.request.cb_kwargs
        yield from self._next_query(kwargs["queries"], kwargs["found"])

    def parse_collections(self, response):
        try:
            crawls = parse_collections(response.body)
        except CdxError as error:
            self._inc("archive/index/bad_answers")
            logger.error("Common Crawl's list of crawls is unreadable (%s): %s", error, response.url)
            return
        self._crawls = tuple(crawls)
        logger.info("Common Crawl lists %d crawls; each index is read once, newest first", len(crawls))
        if self.plan.explicit_urls:
            yield from self._explicit_requests()
            return
        for crawl in crawls:
            yield from self._crawl_pages_request(crawl)

    def parse_page_count(self, response, crawl: str, prefix: str):
        if response.status == 404:  # nothing captured under the prefix in this crawl
            return
        try:
            pages = parse_page_count(response.body)
        except CdxError as error:
            self._inc("archive/index/bad_answers")
            logger.error("the index of %s gave no page count (%s): %s", crawl, error, response.url)
            return
        source: ArchiveSource = self.plan.archive
        limit = self.settings.getint("NEWSCRAWL_ARCHIVE_MAX_INDEX_PAGES")
        if pages > limit:
            self._inc("archive/index/endless")
            logger.error("the index of %s says %d pages for %s: only the first %d are read "
                         "(NEWSCRAWL_ARCHIVE_MAX_INDEX_PAGES)", crawl, pages, prefix, limit)
            pages = limit
        for page in range(pages):
            yield scrapy.Request(source.prefix_query(prefix, crawl=crawl, page=page),
                                 callback=self.parse_crawl_page, errback=self.index_failed, dont_filter=True,
                                 priority=INDEX_PRIORITY, meta=dict(ARCHIVE_API), cb_kwargs={"crawl": crawl})

    def parse_crawl_page(self, response, crawl: str):
        captures = self._captures(response)
        if captures is not None:
            yield from self._choose(captures)

    def parse_exact(self, response, wanted: str):
        """The captures of one URL: an explicit URL's, or a redirect's target's (`wanted`:
        the article id they must be of). In a crawl with a window, a target whose id lies
        outside it cannot be a version published in it."""
        captures = self._captures(response)
        if captures is not None:
            chosen = [capture for capture in captures if capture.article_id == wanted]
            yield from self._choose(chosen, window=self.plan.since is not None)

    def index_failed(self, failure):
        self._inc("archive/index/failed")
        logger.error("the archive's index could not be read, skipped: %s (%s)", failure.request.url,
                     str(failure.value)[:200] or type(failure.value).__name__)

    # -- captures -------------------------------------------------------------------
    def _choose(self, captures: list[Capture], window: bool = True):
        lead = self.settings.getint("NEWSCRAWL_ARCHIVE_LEAD_DAYS")
        since = self.plan.since and date.fromordinal(self.plan.since.toordinal() - lead)
        grouped = by_article(captures, since if window else None, self.plan.until if window else None)
        for article_id, found in sorted(grouped.items()):
            if article_id in self._archive_done:
                continue
            if article_id in self._in_flight:
                late = self._in_flight[article_id]
                late += found.pages[:MAX_LATE_CAPTURES - len(late)]
                continue
            pages = self._not_stored_capture(article_id, found.pages)
            held = not self.refetch and self.incremental is not None and self.incremental.is_exported(article_id)
            if held:
                # Still requested: the duplicate filter turns it away and counts it.
                self._archive_done.add(article_id)
            elif pages or (found.redirects and not found.pages):
                self._in_flight[article_id] = []
            if pages:
                yield self.capture_request(article_id, pages)
            elif found.redirects and not found.pages:
                yield self.capture_request(article_id, found.redirects[:1], redirect=True)
            elif found.pages:
                self._inc("archive/captures/same_digest")  # refetch: nothing the stored row did not come from

    def capture_done(self, article_id: str) -> None:
        """The article came from one of its captures: none of its others is needed."""
        self._in_flight.pop(article_id, None)
        self._archive_done.add(article_id)

    def _not_stored_capture(self, article_id: str, pages: list[Capture]) -> list[Capture]:
        """With refetch, the captures whose digest differs from the stored row's."""
        if not self.refetch or self.incremental is None:
            return pages
        stored = self.incremental.stored_record(article_id)
        if not stored or stored.get("fetched_from") != self.plan.archive.name:
            return pages
        stamp = (stored.get("captured_at") or "")[:19].replace("-", "").replace(":", "").replace("T", "")
        digests = {capture.digest for capture in pages if capture.timestamp == stamp and capture.digest}
        return [capture for capture in pages if capture.digest not in digests]

    def capture_request(self, article_id: str, captures: list[Capture], redirect: bool = False, fate=None):
        """The request for an article's first capture; the rest are tried in turn when it
        fails (capture_failed, or parse_article finding no article in it)."""
        source: ArchiveSource = self.plan.archive
        capture, rest = captures[0], captures[1:]
        meta = {ARTICLE_ID: article_id, CAPTURE_KEY: {"capture": capture, "rest": rest, "source": source},
                "dont_obey_robotstxt": True}
        if fate is not None:
            meta["newscrawl_fate"] = fate  # a fallback: the duplicate filter decided already
        # An archive's own redirect (to another capture, another article, the live site)
        # is not followed: the capture is taken as the index gave it, or the next one.
        meta["dont_redirect"] = True
        headers = {"Range": source.capture_range(capture)} if source.kind == "commoncrawl" else {}
        if redirect:
            meta.update(handle_httpstatus_all=True)
            return scrapy.Request(source.capture_url(capture), headers=headers, meta=meta, priority=10,
                                  callback=self.parse_redirect_capture, errback=self.capture_failed,
                                  dont_filter=fate is not None)
        self._inc("archive/captures/requested")
        return scrapy.Request(source.capture_url(capture), headers=headers, meta=meta, priority=10,
                              callback=self.parse_article, errback=self.capture_failed,
                              cb_kwargs={"source": "archive"}, dont_filter=fate is not None)

    def next_capture(self, request, why: str, content: bool = False):
        """The request for the article's next capture, None when none is left (counted).
        `content`: the capture was read and is no article, so no copy of the same bytes
        (digest) is tried; otherwise (not found, a bad record) another copy may be."""
        info = request.meta.get(CAPTURE_KEY)
        if info is None:
            return None
        article_id = request.meta[ARTICLE_ID]
        # Never the same capture twice (another index answer may list it again), nor,
        # after a capture that is no article, the same bytes from elsewhere.
        tried = set(info.get("tried", ())) | {info["capture"]}
        if content:
            tried.add(info["capture"].digest or info["capture"].timestamp)

        def untried(capture: Capture) -> bool:
            return capture not in tried and (capture.digest or capture.timestamp) not in tried

        info["rest"] = [capture for capture in info["rest"] if untried(capture)]
        rest = info["rest"] or [capture for capture in self._in_flight.get(article_id, []) if untried(capture)]
        if article_id in self._in_flight and not info["rest"]:
            self._in_flight[article_id] = []
        if not rest:
            self._in_flight.pop(article_id, None)  # a later index page may list a capture that works
            self._inc("archive/articles/no_good_capture")
            logger.warning("no capture of %s gave its article (the last: %s)", article_id, why)
            return None
        self._inc("archive/captures/fallbacks")
        follow = self.capture_request(article_id, rest, fate=request.meta.get("newscrawl_fate"))
        follow.meta[CAPTURE_KEY]["tried"] = tried
        return follow

    def capture_failed(self, failure):
        error = failure.value
        cause = f"http_{error.response.status}" if isinstance(error, HttpError) else type(error).__name__
        self._inc(f"archive/captures/failed/{cause}")
        logger.warning("capture not fetched: %s (%s)", failure.request.url, str(error)[:200] or cause)
        if request := self.next_capture(failure.request, cause):
            yield request

    def parse_redirect_capture(self, response):
        """A redirect capture: its Location is looked up in the index, not followed."""
        location = response.headers.get("Location", b"").decode("latin-1").strip()
        info = response.meta[CAPTURE_KEY]
        target = response.urljoin(location) if location else ""
        wanted = article_id_from_url(target)
        self._inc("archive/redirects/read")
        if not (300 <= response.status < 400) or not wanted or parse_article_id(wanted) is None:
            self._inc("archive/redirects/unresolved")
            logger.warning("redirect capture of %s leads to no article (%s %s)", info["capture"].url, response.status,
                           target[:200])
            return
        host = target.split("://", 1)[-1].split("/", 1)[0].lower()
        lookup = target if host in ARCHIVED_HOSTS else canonical_url(wanted)
        yield from self._exact_requests(lookup.split("://", 1)[-1], wanted)
