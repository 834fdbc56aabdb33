"""The duplicate filter: Scrapy's, made safe to resume after a crawl was killed.

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
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.job import job_dir

logger = logging.getLogger(__name__)

CLEAN_MARKER = "requests.seen.closed"


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
    def __init__(self, path: str | None = None, debug: bool = False, *, fingerprinter=None, untrusted: bool = False):
        super().__init__(path, debug, fingerprinter=fingerprinter)
        self.path = path
        self.untrusted = untrusted

    @classmethod
    def from_crawler(cls, crawler):
        path = job_dir(crawler.settings)
        untrusted = bool(path) and distrust_unclean_jobdir(path)
        if untrusted:
            crawler.stats.set_value("newscrawl/jobdir/untrusted", 1)
            logger.warning("JOBDIR %s was not shut down cleanly (killed?): its seen requests and queue are set "
                           "aside and discovery runs again; the state store skips what was exported", path)
        return cls(path, crawler.settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=crawler.request_fingerprinter,
                   untrusted=untrusted)

    def close(self, reason: str) -> None:
        super().close(reason)
        if self.path:
            # Only now are requests.seen and the scheduler's queue state consistent.
            Path(self.path, CLEAN_MARKER).touch()
