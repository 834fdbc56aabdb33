"""Incremental crawls: Scrapy adapters over the state store (newscrawl.state).

- IncrementalState (extension): opens the store when the crawler is built (a corrupt
  or busy store stops the run there), takes in the runs that died (crashed or killed,
  found by their locks: newscrawl.state.base), and records every exported article.
  The duplicate filter asks it what was exported before and claims what is fetched;
  the dedup pipeline asks it too.
- DurableFileFeedStorage (FEED_STORAGES for local files): each feed file is recorded
  in the store before the first row is written, and written unbuffered, so a row the
  exporter wrote is in the operating system even if the process is killed next.

Order that makes a row "seen" only once it is in the feed: the feed exporter holds
scraped items back for up to NEWSCRAWL_STATE_INTENT_SECONDS (or a batch), the store
marks their claims with this run's intent in one transaction (`intend`; an article
this run no longer holds is not written: fencing), the rows are written to every feed
file (newscrawl.components.feedexport, which then sends `item_exported`), the files
are fsynced, then the store commits. An item that did not reach every feed, or whose
feed file cannot be fsynced, is never recorded: the next run exports it again.
Commits come in batches of NEWSCRAWL_STATE_BATCH_SIZE items and at the end.
A kill between the feed write and the commit loses nothing and duplicates nothing:
the next run of this node finds the run dead and reads its rows from the feed files
first; a crawl of another node leaves the intended articles alone (in doubt) and
takes the rest.
Feeds that are not plain local files (S3, FTP, stdout, postprocessing such as gzip)
only count at the end, after Scrapy has stored them.

Articles another live run holds are skipped; when the crawl is idle, before it
closes, they are looked at again: exported by now, or free (their run died) and
fetched here, or still held (counted: newscrawl/incremental/held_elsewhere).
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Iterator

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.extensions.feedexport import FileFeedStorage
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro

from newscrawl.components.archive import META_KEY as WARC_META_KEY
from newscrawl.components.archive import UNARCHIVED_KEY, warc_file_opened
from newscrawl.components.feedexport import CheckedFeedExporter, item_exported
from newscrawl.components.run_report import RunReport
from newscrawl.feeds.durable import WholeRowFile
from newscrawl.feeds.files import local_path
from newscrawl.feeds.records import FEED_FORMATS, read_feed
from newscrawl.items import INT_FIELDS, LIST_FIELDS, Article, article_record, is_article_record
from newscrawl.state import FeedFile, StateStore, StateStoreError, default_node, default_state_path
from newscrawl.state.locks import run_lock_dir
from newscrawl.warc.reader import article_locations
from newscrawl.warc.writer import seal_open_file

logger = logging.getLogger(__name__)


def state_path(settings) -> str | None:
    """The state store's path, or None when incremental state is off. Unless named, the
    store is under the crawl's data dir (so `-s NEWSCRAWL_DATA_DIR=X` moves it too)."""
    if not settings.getbool("NEWSCRAWL_STATE_ENABLED"):
        return None
    return (settings.get("NEWSCRAWL_STATE_URL") or settings.get("NEWSCRAWL_STATE_PATH")
            or default_state_path(settings.get("NEWSCRAWL_DATA_DIR") or "data"))


def check_state_store(settings) -> None:
    """Raise StateStoreError if the configured store could not be used now."""
    if path := state_path(settings):
        StateStore.check(path)


def read_feed_file(feed: FeedFile) -> Iterator[dict]:
    """A crashed run's feed rows (whatever of them can be read), streamed from where
    that run started writing: rows other runs appended before it are not its own."""
    if FEED_FORMATS.get(feed.format) is None:
        logger.warning("cannot recover rows from %s: format %s is not readable (jsonlines, json, csv)", feed.path, feed.format)
        return
    if not Path(feed.path).is_file():
        logger.warning("feed file %s of an interrupted run is gone; nothing recovered from it", feed.path)
        return
    try:
        for row in read_feed(feed.path, feed.format, LIST_FIELDS, INT_FIELDS, on_bad=logger.warning,
                             start=feed.start_offset):
            if is_article_record(row):
                yield row
            else:
                logger.warning("%s: a row without a valid article_id or revision skipped", feed.path)
    except (OSError, UnicodeDecodeError) as error:
        logger.warning("feed file %s of an interrupted run cannot be read further: %s", feed.path, error)


def locate_articles(warc_paths: list[str]) -> dict:
    """article_id -> where its page is archived, in a dead run's WARC files (sealed
    first when the run left one open)."""
    for path in warc_paths:
        seal_open_file(path)
    return article_locations([path for path in warc_paths if os.path.isfile(path)])


def store_options(settings) -> dict:
    """This node's name, where its run locks are, and (SQLite) how long a write waits
    for another process's write lock (newscrawl.state)."""
    options = {"node": settings.get("NEWSCRAWL_NODE_ID") or default_node(),
               "lock_dir": run_lock_dir(settings.get("NEWSCRAWL_DATA_DIR", "data"))}
    if not settings.get("NEWSCRAWL_STATE_URL"):
        options["busy_seconds"] = max(0.1, settings.getfloat("NEWSCRAWL_STATE_BUSY_SECONDS", 30))
    return options


def _fsync(path: str) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class IncrementalState:
    """The crawl's view of the state store (NEWSCRAWL_STATE_*)."""

    def __init__(self, crawler, store: StateStore, recovered: int):
        self.crawler = crawler
        self.stats = crawler.stats
        self.store = store
        self.recovered = recovered
        self.known_at_start = store.count()
        settings = crawler.settings
        self.batch_size = max(1, settings.getint("NEWSCRAWL_STATE_BATCH_SIZE", 100))
        self.check_interval = max(1.0, settings.getfloat("NEWSCRAWL_STATE_CHECK_SECONDS", 30))
        self.intent_delay = max(0.05, settings.getfloat("NEWSCRAWL_STATE_INTENT_SECONDS", 0.5))
        self.checks = self.releases = None
        self.lost: str | None = None  # why the store was lost (or this run fenced) mid-run, if it was
        feeds = settings.getdict("FEEDS")
        # Without a feed nothing is exported, so nothing may be recorded as exported.
        self.read_only = not feeds
        self.durable = bool(feeds) and all(
            local_path(str(uri)) is not None and not options.get("postprocessing") for uri, options in feeds.items()
        )
        self.run_id = None if self.read_only else store.begin_run()
        self.feed_paths: list[str] = []
        self.recorded_sizes: dict[str, int] = {}  # feed path -> its size when the store last committed
        self.pending: list[tuple[dict, object]] = []  # (record, where its page is archived or None)
        # Articles another live run held when this one wanted them: article_id -> (url, source).
        self.claimed_elsewhere: dict[str, tuple[str, str]] = {}
        self.reason = "finished"

    @classmethod
    def from_crawler(cls, crawler):
        path = state_path(crawler.settings)
        if path is None:
            raise NotConfigured  # switched off on purpose (NEWSCRAWL_STATE_ENABLED): nothing to warn about
        if crawler.settings.getpriority("NEWSCRAWL_STATE_LEASE_SECONDS") is not None:
            logger.warning("NEWSCRAWL_STATE_LEASE_SECONDS is no longer used: a run is alive exactly while it holds "
                           "its lock (docs/reliability.md, Exactly once)")
        store = StateStore(path, **store_options(crawler.settings))  # StateStoreError stops the crawl
        try:
            recovered = store.recover_unfinished_runs(read_feed_file, locate_articles)
        except BaseException:
            store.close()
            raise
        if recovered:
            logger.warning("state store %s: %d rows of an interrupted run taken from its feed files", store.path,
                           recovered)
        extension = cls(crawler, store, recovered)
        crawler.signals.connect(extension.spider_opened, signals.spider_opened)
        crawler.signals.connect(extension.item_exported, item_exported)
        crawler.signals.connect(extension.warc_file_opened, warc_file_opened)
        crawler.signals.connect(extension.spider_idle, signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signals.spider_closed)
        crawler.signals.connect(extension.engine_stopped, signals.engine_stopped)
        return extension

    def is_exported(self, article_id: str) -> bool:
        """Whether an earlier run exported the article (True once the store is lost:
        nothing more is fetched)."""
        if self.lost:
            return True
        try:
            return self.store.is_exported(article_id)
        except StateStoreError as error:
            self._lose(error)
            return True

    def stored_record(self, article_id: str) -> dict | None:
        """The record an earlier run exported for the article (an archive crawl with
        refetch compares captures and modified times with it); None if none or the
        store is lost."""
        if self.lost:
            return None
        try:
            return self.store.record_of(article_id)
        except StateStoreError as error:
            self._lose(error)
            return None

    def claim(self, article_id: str) -> bool:
        """True if this crawl may fetch the article: no other live run on the store holds
        it. A crawl that exports nothing claims nothing."""
        if self.read_only:
            return True
        if self.lost:
            return False
        try:
            return self.store.claim_article(article_id, self.run_id)
        except StateStoreError as error:
            self._lose(error)
            return False

    def claimed_by_another(self, article_id: str, url: str, source: str) -> None:
        """The duplicate filter turned the article away: another live run holds it.
        Looked at again before this crawl closes (spider_idle)."""
        self.claimed_elsewhere[article_id] = (url, source)

    def may_write(self, items: list) -> list[bool]:
        """The feed exporter's gate: which of these items' rows may go to the feeds now.
        Their claims get this run's intent first, in one transaction; an article this
        run no longer holds (or that another run exported meanwhile) is not written."""
        ids = [item.article_id for item in items if isinstance(item, Article)]
        if self.lost:
            allowed = set()
        else:
            try:
                allowed = self.store.intend(self.run_id, ids, refetch=bool(getattr(self.crawler.spider, "refetch", False)))
            except StateStoreError as error:  # RunFenced included: nothing more is written
                self._lose(error)
                allowed = set()
        verdicts = [not isinstance(item, Article) or item.article_id in allowed for item in items]
        if refused := verdicts.count(False):
            self.stats.inc_value("newscrawl/incremental/not_held", refused)
            if not self.lost:
                logger.warning("%d articles not written: another crawl holds or exported them now", refused)
        return verdicts

    def _look_for_dead_runs(self) -> None:
        """Every NEWSCRAWL_STATE_CHECK_SECONDS: a crawl that died meanwhile (its lock is
        free) is taken in, which frees its claims for this crawl and others."""
        if self.lost:
            return
        try:
            recovered = self.store.recover_unfinished_runs(read_feed_file, locate_articles)
        except StateStoreError as error:
            self._lose(error)
            return
        if recovered:
            self.stats.inc_value("newscrawl/incremental/recovered", recovered)
            logger.warning("state store %s: %d rows of an interrupted run taken from its feed files",
                           self.store.path, recovered)

    def spider_idle(self, spider):
        """Before the close: the articles another run held are exported by now (fine),
        free (their run died: fetched here), or still held by a live run (counted)."""
        if not self.claimed_elsewhere or self.lost:
            return
        self._look_for_dead_runs()
        freed = []
        for article_id in list(self.claimed_elsewhere):
            if self.is_exported(article_id):
                del self.claimed_elsewhere[article_id]
                self.stats.inc_value("newscrawl/incremental/exported_elsewhere")
            elif self.claim(article_id):
                freed.append((article_id, *self.claimed_elsewhere.pop(article_id)))
        if self.lost:
            return
        self.stats.set_value("newscrawl/incremental/held_elsewhere", len(self.claimed_elsewhere))
        if not freed:
            return
        logger.info("%d articles another crawl held are free now (it died): fetching them", len(freed))
        for article_id, url, source in freed:
            self.crawler.engine.crawl(spider.article_request(url, source, claimed=True))
        self.stats.inc_value("newscrawl/incremental/reclaimed", len(freed))
        raise DontCloseSpider

    def _lose(self, error: StateStoreError) -> None:
        """The store is gone past its retries, or this run was fenced: stop the crawl
        cleanly. Rows already in the feed files stay there; this run is left
        unfinished in the store, so the next run of this node takes them in (as after a
        crash) and nothing is exported twice or lost."""
        if self.lost:
            return
        self.lost = str(error)
        self.stats.set_value("newscrawl/incremental/store_lost", 1)
        logger.error("%s: stopping the crawl; the rows already in its feed files are taken in by the next run", error)
        engine = self.crawler.engine
        if engine is not None and engine.running:
            deferred_from_coro(engine.close_spider_async(reason="state_store_lost"))

    def register_feed(self, path: str, fmt: str, start_offset: int = 0) -> None:
        """Called by the feed storage before it writes the first row to `path`
        (from `start_offset` on, when it appends to an existing file)."""
        if self.read_only:
            return
        self.store.add_feed(self.run_id, path, fmt, start_offset)
        self.feed_paths.append(path)
        self.recorded_sizes[path] = start_offset

    def warc_file_opened(self, path: str) -> None:
        """A WARC file this run is about to write (newscrawl.components.archive)."""
        if self.read_only or self.lost:
            return
        try:
            self.store.add_warc(self.run_id, path)
        except StateStoreError as error:
            self._lose(error)

    def spider_opened(self, spider):
        if not self.read_only:
            self.checks = create_looping_call(self._look_for_dead_runs)
            self.checks.start(self.check_interval, now=False)
            exporter = self.crawler.get_extension(CheckedFeedExporter)
            if exporter is not None and self.durable:
                exporter.hold_back(self.may_write, self.batch_size)
                self.releases = create_looping_call(exporter.release_held)
                self.releases.start(self.intent_delay, now=False)
        self.stats.set_value("newscrawl/incremental/known_at_start", self.known_at_start)
        if self.recovered:
            self.stats.set_value("newscrawl/incremental/recovered", self.recovered)
        if self.read_only:
            logger.warning("no feed configured: exported articles are not recorded in the state store")
        logger.info("state store %s: %d article versions exported before", self.store.path, self.known_at_start)

    def item_exported(self, item, spider, response=None):
        """An item whose row is in every feed of the run (newscrawl.components.feedexport), with
        where its page is archived (newscrawl.warc) when it is."""
        if self.read_only or not isinstance(item, Article):
            return
        # Where its page is archived, or why it is not (a full disk), or None (archive off).
        meta = response.meta if response is not None else {}
        location = meta.get(WARC_META_KEY) or meta.get(UNARCHIVED_KEY)
        self.pending.append((article_record(item), location))
        if self.durable and len(self.pending) >= self.batch_size:
            self._commit()

    def spider_closed(self, spider, reason):
        self.reason = reason
        for task in (self.checks, self.releases):
            if task is not None and task.running:
                task.stop()
        if self.durable:
            self._commit()

    def engine_stopped(self):
        # All feeds are stored by now (FeedExporter finishes while the spider closes).
        try:
            if not self.read_only and not self.lost:
                exporter = self.crawler.get_extension(CheckedFeedExporter)
                if self.durable or not (exporter and exporter.failed):
                    # Remote feeds are whole only once stored, which happens at the end.
                    self._commit()
                if not self.lost:
                    report = self.crawler.get_extension(RunReport)
                    if report is not None and report.outcome is not None:
                        self.store.record_outcome(self.run_id, report.outcome["job"], report.outcome)
                    self.store.finish_run(self.run_id, self.reason)
        except StateStoreError as error:
            self._lose(error)
        finally:
            self.store.close()

    def _commit(self) -> None:
        if not self.pending or self.lost:
            return
        for path in self.feed_paths:
            try:
                if Path(path).is_file():
                    _fsync(path)
            except OSError as error:
                # The rows may not be on disk: none of the pending items counts as
                # exported, and none stays in a feed (cut back to what was recorded).
                if exporter := self.crawler.get_extension(CheckedFeedExporter):
                    exporter.fail(path, error, recorded=self.recorded_sizes)
                self.stats.inc_value("newscrawl/incremental/not_recorded", len(self.pending))
                self.pending.clear()
                return
        try:
            new = self.store.record_with_locations(self.pending, self.run_id)
        except StateStoreError as error:
            self._lose(error)  # the pending rows are in the feed files: recovered next run
            return
        self.stats.inc_value("newscrawl/incremental/recorded", new)
        self.pending.clear()
        for path in self.feed_paths:
            if Path(path).is_file():
                self.recorded_sizes[path] = Path(path).stat().st_size


class DurableFileFeedStorage(FileFeedStorage):
    """Local feed files, written through to the OS and announced to the state store."""

    def __init__(self, uri: str, *, feed_options: dict | None = None, crawler=None):
        super().__init__(uri, feed_options=feed_options)
        self.format = (feed_options or {}).get("format", "")
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler, uri: str, *, feed_options: dict | None = None):
        return cls(uri, feed_options=feed_options, crawler=crawler)

    def open(self, spider):
        path = Path(self.path).absolute()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Looked up here: FeedExporter builds storages while the extensions are built.
        state = self.crawler.get_extension(IncrementalState) if self.crawler is not None else None
        if state is not None:
            appending = self.write_mode == "ab" and path.is_file()
            state.register_feed(str(path), self.format, path.stat().st_size if appending else 0)
        # Written through: every exporter write reaches the OS in full or fails (a killed
        # crawl leaves its rows behind, a full disk cuts none in the middle unseen).
        handle = WholeRowFile(path, self.write_mode)
        _fsync(str(path.parent))  # the new directory entry survives a power cut too
        return handle


__all__ = ["DurableFileFeedStorage", "IncrementalState", "StateStoreError", "check_state_store", "state_path",
           "store_options"]
