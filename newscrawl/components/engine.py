"""What the project reads of Scrapy's engine that Scrapy 2.19 offers no public API for."""
from __future__ import annotations


def engine_closing(engine) -> bool:
    """True once the engine sends no more requests: it is closing the spider (a
    CLOSESPIDER_* limit, Ctrl-C or SIGTERM, a failed feed) or has stopped. Scrapy keeps
    this in its private slot (`closing` is set as close_spider begins)."""
    slot = getattr(engine, "_slot", None)
    return engine is None or not engine.running or getattr(slot, "closing", None) is not None
