"""The duplicate filter: Scrapy's, made safe to resume after a crawl was killed, and
the one place that decides whether an article page is requested at all.

With a JOBDIR, Scrapy's RFPDupeFilter appends every request it lets through to
`requests.seen` as the crawl goes, while the scheduler writes the state of its disk
queue (`requests.queue/`) only at a clean shutdown. A crawl killed with -9 leaves the
seen-list full and the queue unreadable: the resumed crawl filters every feed and
article it rediscovers as "seen" and exports nothing it had not exported already.

Here a cleanly closed filter leaves a marker next to `requests.seen`. A JOBDIR
without it was not shut down cleanly: its seen-list and queue are set aside (one
WARNING, stat newscrawl/jobdir/untrusted) and discovery runs again; the state store,
which commits only what is in the feed, keeps exported articles from being fetched
or exported twice.

An article page (a request whose meta carries ARTICLE_ID) that this run has not asked
for yet is also "seen" when the state store says an earlier run exported it (stat
newscrawl/incremental/skipped) or another live crawl on the same store is fetching
it (newscrawl/incremental/claimed_elsewhere: looked at again before the close, by
newscrawl.components.incremental); otherwise this crawl claims it
(newscrawl/articles/requested). Deciding here, after Scrapy's fingerprint check,
counts each article once however many feeds and listings link it, without a second
per-article set beside Scrapy's fingerprints (a 100,000-item feed's ids cost 7 MB
in the spider).
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.job import job_dir

from newscrawl.components.incremental import IncrementalState
from newscrawl.components.replay import CAPTURE_KEY

logger = logging.getLogger(__name__)

CLEAN_MARKER = "requests.seen.closed"
# Request meta: the article id of an article page request (set by the spider), and
# what the filter decided for it: "requested", "skipped" or "claimed". A redirect or
# retry of an admitted request carries the decision and is not counted again.
ARTICLE_ID = "newscrawl_article_id"
FATE = "newscrawl_fate"
_FATE_STATS = {"requested": "newscrawl/articles/requested", "skipped": "newscrawl/incremental/skipped",
               "claimed": "newscrawl/incremental/claimed_elsewhere"}


def distrust_unclean_jobdir(path: str) -> bool:
    """Set aside the seen-list and queue of a JOBDIR that was not closed cleanly;
    True if there were any. Removes the clean marker: this run is now under way."""
    directory = Path(path)
    marker, seen, queue = directory / CLEAN_MARKER, directory / "requests.seen", directory / "requests.queue"
    untrusted = not marker.exists() and ((seen.is_file() and seen.stat().st_size > 0) or queue.is_dir())
    if untrusted:
        seen.unlink(missing_ok=True)
        shutil.rmtree(queue, ignore_errors=True)
    marker.unlink(missing_ok=True)
    return untrusted


class JobdirDupeFilter(RFPDupeFilter):
    def __init__(self, path: str | None = None, debug: bool = False, *, fingerprinter=None, untrusted: bool = False,
                 crawler=None):
        super().__init__(path, debug, fingerprinter=fingerprinter)
        self.path = path
        self.untrusted = untrusted
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        path = job_dir(crawler.settings)
        untrusted = bool(path) and distrust_unclean_jobdir(path)
        if untrusted:
            crawler.stats.set_value("newscrawl/jobdir/untrusted", 1)
            logger.warning("JOBDIR %s was not shut down cleanly (killed?): its seen requests and queue are set "
                           "aside and discovery runs again; the state store skips what was exported", path)
        return cls(path, crawler.settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=crawler.request_fingerprinter,
                   untrusted=untrusted, crawler=crawler)

    def close(self, reason: str) -> None:
        super().close(reason)
        if self.path:
            # Only now are requests.seen and the scheduler's queue state consistent.
            Path(self.path, CLEAN_MARKER).touch()


class ArticleDupeFilter(JobdirDupeFilter):
    """DUPEFILTER_CLASS of newscrawl: JobdirDupeFilter, which also turns away article
    pages exported before or being fetched by another crawl (module docstring)."""

    incremental: IncrementalState | None = None

    def open(self):
        # The store's adapter (None when NEWSCRAWL_STATE_ENABLED is off): extensions
        # are built before the engine opens the scheduler.
        self.incremental = self.crawler.get_extension(IncrementalState) if self.crawler else None
        return super().open()

    def request_seen(self, request) -> bool:
        # An archive's capture is judged by its article alone: Common Crawl's records share
        # one URL (the WARC file) and differ in their Range header, which fingerprints
        # leave out; the spider asks for each article's captures one chain at a time.
        if CAPTURE_KEY not in request.meta and super().request_seen(request):
            return True
        article_id = request.meta.get(ARTICLE_ID)
        if article_id is None or FATE in request.meta:
            return False
        fate = self._fate(article_id)
        request.meta[FATE] = fate
        if self.crawler is not None:
            self.crawler.stats.inc_value(_FATE_STATS[fate])
        if fate == "claimed":  # looked at again before the crawl closes
            self.incremental.claimed_by_another(article_id, request.url, request.cb_kwargs.get("source", "claimed"))
        return fate != "requested"

    def _fate(self, article_id: str) -> str:
        incremental = self.incremental
        if incremental is None:
            return "requested"
        if not getattr(self.crawler.spider, "refetch", False) and incremental.is_exported(article_id):
            return "skipped"
        if not incremental.claim(article_id):
            return "claimed"
        return "requested"

    def log(self, request, spider) -> None:
        # An article turned away for what the store says is not a duplicate request
        # (its own stat counts it), nor the first duplicate Scrapy would log.
        if request.meta.get(FATE) in (None, "requested"):
            super().log(request, spider)
