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
- with a gate (`hold_back`: the state store's, newscrawl.components.incremental),
  scraped items wait until it says which of them may be written: it records the run's
  intent for a batch at once, and refuses articles the run no longer holds.
"""
from __future__ import annotations

import logging

from scrapy import signals
from scrapy.extensions.feedexport import FeedExporter
from scrapy.utils.defer import deferred_from_coro, ensure_awaitable

logger = logging.getLogger(__name__)

# Sent with item=..., response=... once an item's row is in every feed of the run.
item_exported = object()
FEED_FAILED = "feed_failed"


class CheckedFeedExporter(FeedExporter):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.failed: dict[str, str] = {}  # feed URI -> what went wrong
        self.gate = None  # items -> whether each may be written now (hold_back)
        self.gate_batch = 1
        self.held: list[tuple] = []  # (item, spider, response) waiting for the gate

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
        """Write one item to every feed that still works; announce it if it is in all."""
        slots, whole = [], True
        for slot in self.slots:
            if slot.uri in self.failed:
                slots.append(slot)
                whole = False
                continue
            # Scrapy's loop over this one slot (batches included), so a failure stays here.
            self.slots = [slot]
            try:
                super().item_scraped(item, spider)
            except Exception as error:  # noqa: BLE001 - any failure to write is the feed's failure
                self.slots = [slot]
                self.fail(slot.uri, error)
                whole = False
            slots.extend(self.slots)
        self.slots = slots
        if not whole:
            self.crawler.stats.inc_value("newscrawl/feeds/items_not_whole")
        else:
            self.crawler.signals.send_catch_log(item_exported, item=item, response=response, spider=spider)

    def fail(self, uri: str, error: BaseException | str) -> None:
        """Mark a feed as failed (once), say so, and stop the crawl."""
        if uri in self.failed:
            return
        self.failed[uri] = str(error) or type(error).__name__
        self.crawler.stats.inc_value("newscrawl/feeds/failed")
        logger.error("feed %s cannot be written (%s): stopping the crawl; articles not in every feed are not "
                     "recorded as exported, so the next run exports them again", uri, self.failed[uri])
        engine = self.crawler.engine
        if engine is not None and engine.running:
            deferred_from_coro(engine.close_spider_async(reason=FEED_FAILED))

    async def _close_slot(self, slot, spider) -> None:
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
            logger.error("feed %s is incomplete: %d rows were written before it failed", slot.uri, slot.itemcount)
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
