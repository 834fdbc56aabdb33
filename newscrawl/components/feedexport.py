"""The feed exporter: Scrapy's, made to fail loudly and to say which rows are whole.

Scrapy's FeedExporter writes an item to its feeds in one loop: the first feed that
raises (a full disk, a read-only directory) stops the loop, so the feeds after it
miss the row, the error is only logged by the signal machinery, and the run goes
on and ends with "Stored N items" for files that hold fewer. Here:

- each feed is written on its own; one that fails is closed and written no more,
  with one ERROR line naming it and the stat newscrawl/feeds/failed;
- an item written to every feed of the run is announced with the `item_exported`
  signal: the state store records exactly those (newscrawl.components.incremental);
- the first failure stops the crawl (finish reason "feed_failed"): its pages would
  only be fetched to be lost, and `scrapy crawl` exits with status 1;
- "Stored" is logged only for feeds that were stored whole;
- local feed files (newscrawl.feeds.durable.WholeRowFile) hold only whole rows: after a
  failed write (a full disk can cut a row in the middle) no feed gets more rows, and
  each is cut back to the rows every feed holds, so all stay valid and agree;
- with a gate (`hold_back`: the state store's, newscrawl.components.incremental),
  scraped items wait until it says which of them may be written: it records the run's
  intent for a batch at once, and refuses articles the run no longer holds.
"""
from __future__ import annotations

import logging

from scrapy import signals
from scrapy.extensions.feedexport import FeedExporter
from scrapy.utils.defer import deferred_from_coro, ensure_awaitable

from newscrawl.feeds.durable import WholeRowFile

logger = logging.getLogger(__name__)

# Sent with item=..., response=... once an item's row is in every feed of the run.
item_exported = object()
FEED_FAILED = "feed_failed"


class CheckedFeedExporter(FeedExporter):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.failed: dict[str, str] = {}  # feed URI -> what went wrong
        self.stopped: set[str] = set()  # feeds cut back to their last whole row: written no more
        self.gate = None  # items -> whether each may be written now (hold_back)
        self.gate_batch = 1
        self.held: list[tuple] = []  # (item, spider, response) waiting for the gate
        self.rows: dict[str, int] = {}  # feed URI -> whole rows written to it

    def hold_back(self, gate, batch: int) -> None:
        """From now on, items wait for `gate(items) -> [bool]`, asked for `batch` items
        at a time, or for fewer by `release_held` (a timer, and the close)."""
        self.gate, self.gate_batch = gate, max(1, batch)

    def item_scraped(self, item, spider, response=None) -> None:
        if self.gate is None:
            self._export(item, spider, response)
            return
        self.held.append((item, spider, response))
        if len(self.held) >= self.gate_batch:
            self.release_held()

    def release_held(self) -> None:
        """Ask the gate about the items held back, and write those it lets through."""
        held, self.held = self.held, []
        if not held:
            return
        for (item, spider, response), allowed in zip(held, self.gate([item for item, _, _ in held])):
            if allowed:
                self._export(item, spider, response)

    async def close_spider(self, spider) -> None:
        self.release_held()  # before any slot closes; the store's extension commits after
        await super().close_spider(spider)

    def _export(self, item, spider, response) -> None:
        """Write one item to every feed; announce it once it is whole in all of them."""
        if self.failed:  # after a failure no feed gets more rows: they all hold the same ones
            self.crawler.stats.inc_value("newscrawl/feeds/items_not_whole")
            return
        written, todo = [], list(self.slots)
        while todo:
            slot = todo.pop(0)
            # Scrapy's loop over this one slot (batches included), so a failure stays here.
            self.slots = [slot]
            try:
                super().item_scraped(item, spider)
            except Exception as error:  # noqa: BLE001 - any failure to write is the feed's failure
                self.slots = [*written, slot, *todo]
                self.crawler.stats.inc_value("newscrawl/feeds/items_not_whole")
                self.fail(slot.uri, error)
                return
            written.extend(self.slots)
        self.slots = written
        for slot in written:
            if isinstance(file := getattr(slot, "file", None), WholeRowFile) and not file.closed:
                file.mark_whole(slot.itemcount)
            self.rows[slot.uri] = self.rows.get(slot.uri, 0) + 1
        if (revision := getattr(item, "revision", None)) is not None:
            self.crawler.stats.inc_value("newscrawl/exported/revisions" if revision else "newscrawl/exported/originals")
        self.crawler.signals.send_catch_log(item_exported, item=item, response=response, spider=spider)

    def fail(self, uri: str, error: BaseException | str, recorded: dict[str, int] | None = None) -> None:
        """Mark a feed as failed (once), say so, and stop the crawl. Every local feed file
        is cut back to its last row that every feed holds, or with `recorded` (path ->
        size) to what the state store recorded, and written no more."""
        if uri in self.failed:
            return
        self.failed[uri] = str(error) or type(error).__name__
        self.crawler.stats.inc_value("newscrawl/feeds/failed")
        logger.error("feed %s cannot be written (%s): stopping the crawl; articles not in every feed are not "
                     "recorded as exported, so the next run exports them again", uri, self.failed[uri])
        for slot in self.slots:
            self._cut_back(slot, self.failed[uri], recorded)
        engine = self.crawler.engine
        if engine is not None and engine.running:
            deferred_from_coro(engine.close_spider_async(reason=FEED_FAILED))

    def _cut_back(self, slot, why: str, recorded: dict[str, int] | None) -> None:
        file = getattr(slot, "file", None)
        if not isinstance(file, WholeRowFile) or file.closed or file.cut is not None:
            return
        size = recorded.get(file.path) if recorded is not None else None
        if recorded is not None and size is None:
            return
        try:
            closed = file.cut_back(why, slot.format, size)
        except OSError as cut_error:
            logger.error("feed %s could not be cut back to its last whole row: %s", slot.uri, cut_error)
            return
        self.crawler.stats.inc_value("newscrawl/feeds/cut_back")
        if size is None:
            self.rows[slot.uri] = file.rows
        held = "the rows the state store recorded" if size is not None else f"{file.rows} whole rows"
        logger.error("feed %s cut back to its last whole row: it holds %s%s", slot.uri, held,
                     "" if closed else " (its JSON array lacks the closing bracket: the disk is still full)")
        self.stopped.add(slot.uri)

    async def _close_slot(self, slot, spider) -> None:
        if slot.uri in self.stopped and slot.uri not in self.failed:
            self._discard(slot)  # whole rows only, and its JSON bracket closed when there was room
            logger.error("feed %s stopped when another feed failed: it holds the rows every feed holds", slot.uri)
            return
        if slot.uri not in self.failed:
            try:
                if slot.itemcount:
                    slot.finish_exporting()
                elif slot.store_empty and slot.batch_id == 1:
                    slot.start_exporting()  # an empty run's feed still gets its file (and CSV header)
                    slot.finish_exporting()
                else:
                    return
                await ensure_awaitable(slot.storage.store(self._get_file(slot)))
            except Exception as error:  # noqa: BLE001
                self.fail(slot.uri, error)
        if slot.uri in self.failed:
            self._discard(slot)
            rows = file.rows if isinstance(file := getattr(slot, "file", None), WholeRowFile) else slot.itemcount
            logger.error("feed %s is incomplete: %d rows were written before it failed", slot.uri, rows)
            return
        logger.info("Stored %s feed (%d items) in: %s", slot.format, slot.itemcount, slot.uri)
        self.crawler.stats.inc_value(f"feedexport/success_count/{type(slot.storage).__name__}")
        await self.crawler.signals.send_catch_log_async(signal=signals.feed_slot_closed, slot=slot)

    @staticmethod
    def _discard(slot) -> None:
        """Close a failed feed's file without exporting anything more into it."""
        if slot.file is not None:
            try:
                slot.file.close()
            except Exception:  # noqa: BLE001 - closing a broken file may fail again; nothing to add
                pass
