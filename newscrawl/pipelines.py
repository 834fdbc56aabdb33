"""Item pipelines: thin Scrapy adapters over newscrawl.processing, with stats.

Order (settings.ITEM_PIPELINES): story text -> dateline -> validation -> schema -> dedup.
Stats are namespaced "newscrawl/...".
"""
from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from newscrawl.components.incremental import IncrementalState
from newscrawl.items import Article
from newscrawl.schema import schema_validator
from newscrawl.processing import missing_required, normalize_dateline, schema_errors, story_step

logger = logging.getLogger(__name__)


class _StatsPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


def _drop(stats, reason: str, item: Article, detail: str = "") -> DropItem:
    stats.inc_value(f"newscrawl/dropped/{reason}")
    message = f"dropped ({reason}{': ' + detail if detail else ''}): {item.url or item.article_id or '<no url>'}"
    logger.warning(message)
    return DropItem(message)


class StoryTextPipeline(_StatsPipeline):
    """Split the raw body into note, byline, dateline, clean body, e-mails and end
    marker; strip the related-headlines tail and leaked captions."""

    async def process_item(self, item):
        if not isinstance(item, Article):
            return item
        counts = story_step(item)
        for key, count in counts.items():
            self.stats.inc_value(f"newscrawl/{key}", count)
        if counts["revision/prefix_mismatch"]:
            logger.info("revision %s from the id, prefix %r: %s", item.revision, item.headline_prefix, item.url)
        return item


class DatelinePipeline(_StatsPipeline):
    """Resolve the dateline's year from published_at and fill dateline_city/date."""

    async def process_item(self, item):
        if not isinstance(item, Article):
            return item
        outcome = normalize_dateline(item)
        self.stats.inc_value(f"newscrawl/dateline/{outcome}")
        return item


class ValidationPipeline(_StatsPipeline):
    """Drop items that lack a required field (article_id, url, headline, published_at, body)."""

    async def process_item(self, item):
        missing = missing_required(item) if isinstance(item, Article) else "not_an_article"
        if missing:
            raise _drop(self.stats, f"missing_{missing}" if isinstance(item, Article) else missing, item)
        return item


class SchemaValidationPipeline(_StatsPipeline):
    """Drop items that break the Article JSON schema (newscrawl.schema): a wrong type or
    format means the extraction went wrong, and analysts trust every field. Counts
    newscrawl/dropped/invalid and newscrawl/schema/errors/<field>.

    jsonschema's validator is built once: building one per item (as spidermon's
    validator does) costs more than the rest of the pipelines together."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.validator = schema_validator()

    async def process_item(self, item):
        if not isinstance(item, Article):
            return item
        errors = schema_errors(item, self.validator)
        if not errors:
            return item
        for name in errors:
            self.stats.inc_value(f"newscrawl/schema/errors/{name}")
        raise _drop(self.stats, "invalid", item, "; ".join(f"{name}: {message}" for name, message in sorted(errors.items())))


class DedupPipeline(_StatsPipeline):
    """Export each article_id once per run, and not at all if an earlier run exported
    it (the state store; a page can carry another id than its URL), unless the
    spider was asked to refetch."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.seen: set[str] = set()
        self.state = crawler.get_extension(IncrementalState)

    async def process_item(self, item):
        article_id = ItemAdapter(item).get("article_id")
        if article_id in self.seen:
            raise _drop(self.stats, "duplicate", item)
        if self.state is not None and not getattr(self.crawler.spider, "refetch", False) and self.state.is_exported(article_id):
            raise _drop(self.stats, "exported_before", item)
        self.seen.add(article_id)
        return item
