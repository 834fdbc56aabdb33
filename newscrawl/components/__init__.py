"""The Scrapy adapters: components a crawl plugs in (EXTENSIONS, DUPEFILTER_CLASS,
FEED_STORAGES, FEED_EXPORTERS), each a thin layer over a pure package below it:
- feedexport, exporters: the feed exporter and the CSV item exporter (newscrawl.feeds);
- incremental, dupefilter: the state store's extension, durable feed storage and the
  duplicate filter (newscrawl.state);
- archive: every downloaded response into WARC files (newscrawl.warc);
- monitors, run_report: the spidermon suite, the run report and the progress line
  (newscrawl.monitoring);
- workers: extraction in worker processes (newscrawl.processing);
- engine: what is read of Scrapy's engine that has no public API.

They sit above the packages they adapt and below Scrapy's project face (settings,
pipelines, middlewares, spiders, commands); the README's "Layout" gives the order."""
