"""Feeds and records, without Scrapy (docs/fields.md, docs/running.md):
- files: feed file names (FEED_URI_PARAMS) and the checks on them before a crawl;
- records: JSON Lines / JSON / CSV written atomically (CSV formula guard) and read back;
- export: `newscrawl export`, all versions or the latest per story, from the store or feeds.

The crawl's feed exporter and CSV item exporter are newscrawl.components.feedexport and
newscrawl.components.exporters."""
