"""Scrapy settings for newscrawl: polite defaults for the live en.yna.co.kr.

Project settings are prefixed NEWSCRAWL_ / YONHAP_ (docs/running.md lists them).
"""
import os

from newscrawl import __version__
from newscrawl.items import ARTICLE_FIELDS
from newscrawl.state import default_state_path

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"
# Our `crawl` command checks spider arguments before starting (clear errors, exit 2).
COMMANDS_MODULE = "newscrawl.commands"

# Where en.yna.co.kr is fetched from: a local mirror can stand in (newscrawl demo).
YONHAP_BASE_URL = "https://en.yna.co.kr"
YONHAP_RSS_PATHS = ["/RSS/news.xml"]
YONHAP_SITEMAP_PATHS = ["/news-sitemap.xml"]
YONHAP_LISTING_PATHS = ["/news"]
YONHAP_MAX_LISTING_PAGES = 10
# Sitemap indexes: how deep they may nest and how many sitemap documents a run reads.
NEWSCRAWL_SITEMAP_MAX_DEPTH = 2
NEWSCRAWL_SITEMAP_MAX_DOCUMENTS = 100

NEWSCRAWL_DATA_DIR = os.environ.get("NEWSCRAWL_DATA_DIR", "data")
NEWSCRAWL_CSV_FORMULA_GUARD = True

# Incremental crawls (newscrawl.components.incremental, docs/running.md): which articles were
# exported, so a scheduled run fetches only what is new.
NEWSCRAWL_STATE_ENABLED = True
# Empty: <NEWSCRAWL_DATA_DIR>/state/newscrawl.sqlite3, of the crawl's data dir (-s moves both).
NEWSCRAWL_STATE_PATH = os.environ.get("NEWSCRAWL_STATE_PATH", "")
# A postgresql:// URL here (or in the environment) puts the store on a PostgreSQL server
# instead of the SQLite file above (newscrawl.state.postgres).
NEWSCRAWL_STATE_URL = os.environ.get("NEWSCRAWL_STATE_URL", "")
# Where the store is, as the reading commands (export, page, report) find it by default.
NEWSCRAWL_STATE = NEWSCRAWL_STATE_URL or NEWSCRAWL_STATE_PATH or default_state_path(NEWSCRAWL_DATA_DIR)
NEWSCRAWL_STATE_BATCH_SIZE = 100  # exported items per state commit (and one at the end)
# Crawls sharing a store claim each article before fetching it. A run is alive while
# it holds its lock (a flock; on PostgreSQL also its session's advisory lock): a killed
# crawl's claims pass on at once, a paused one keeps them (docs/reliability.md).
# This machine's name among the crawls of one store: the rows a dead run left in its
# feed files are taken in only by a crawl of the same node (default: the host name;
# give each container or data dir a stable one of its own).
NEWSCRAWL_NODE_ID = os.environ.get("NEWSCRAWL_NODE_ID", "")
# How often a running crawl looks for runs that died (their claims then pass on).
NEWSCRAWL_STATE_CHECK_SECONDS = 30
# SQLite: how long a write waits for another process's write lock before the crawl stops
# cleanly (a write takes milliseconds; a crawl frozen in one holds it).
NEWSCRAWL_STATE_BUSY_SECONDS = 30
# How long scraped items wait before their claims get this run's intent and their rows
# go to the feeds (a batch of NEWSCRAWL_STATE_BATCH_SIZE goes at once).
NEWSCRAWL_STATE_INTENT_SECONDS = 0.5

# Scrapy's stats collector without 2.19's per-call deprecation shim: 3% of a crawl's CPU.
STATS_CLASS = "newscrawl.components.stats.PlainStatsCollector"
EXTENSIONS = {
    # Scrapy's feed exporter, failing loudly and telling the store which rows are whole.
    "scrapy.extensions.feedexport.FeedExporter": None,
    "newscrawl.components.feedexport.CheckedFeedExporter": 0,
    "newscrawl.components.incremental.IncrementalState": 500,
    "newscrawl.components.monitors.FieldStats": 550,  # field coverage counters for the monitors
    "newscrawl.components.monitors.SpidermonExtension": 600,  # spidermon's, logging without Spider.log()
    # After the monitors (their checks go into it); writes one JSON per run by the feed.
    "newscrawl.components.run_report.RunReport": 900,
    "newscrawl.components.run_report.ProgressLog": 950,
    "newscrawl.components.archive.WarcArchive": 400,
    "newscrawl.components.workers.ExtractionWorkers": 450,
}
# Worker processes that parse article pages while the reactor downloads (0: none).
# A polite crawl of the live site waits on the network, not the CPU (docs/performance.md).
NEWSCRAWL_EXTRACT_PROCESSES = 0
# Every downloaded response, as it came, into WARC files (newscrawl.warc, docs/archive.md).
NEWSCRAWL_WARC_ENABLED = True
NEWSCRAWL_WARC_DIR = ""  # default: <NEWSCRAWL_DATA_DIR>/warc
NEWSCRAWL_WARC_MAX_SIZE = 1024 ** 3  # bytes a file; then the next one
NEWSCRAWL_WARC_PREFIX = "newscrawl"
# 0-3: ISA-L's levels (fast; 2: a ninth of zlib 6's CPU, files ~13% larger); 4-9: zlib's.
NEWSCRAWL_WARC_GZIP_LEVEL = 2
# A progress line (day reached, share done, articles, rate, ETA) every so many seconds.
NEWSCRAWL_PROGRESS_INTERVAL = 300
NEWSCRAWL_REPORT_ENABLED = True

# Health monitors (docs/monitoring.md): spidermon runs newscrawl.components.monitors at spider
# close; a failed check makes `scrapy crawl` exit with status 3.
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["newscrawl.components.monitors.HealthMonitorSuite"]
# Never with dataclass items: it raises KeyError and loses the item.
SPIDERMON_VALIDATION_ADD_ERRORS_TO_ITEMS = False
NEWSCRAWL_MONITOR_MIN_ITEMS = 1  # articles exported or known (skipped) in a discovery run
NEWSCRAWL_MONITOR_FINISH_REASONS = ["finished"]
NEWSCRAWL_MONITOR_MAX_ERROR_RATIO = 0.05  # ERROR/CRITICAL log lines per request
NEWSCRAWL_MONITOR_MAX_DROPPED_RATIO = 0.05  # items dropped as broken (missing field, schema) per item
NEWSCRAWL_MONITOR_MAX_UNFETCHED_RATIO = 0.2  # article links that gave no article (404, challenge, ...)
# Field -> normal share of exported items (1.0: required in every item). A field
# fails when so few items have it that chance is implausible (p < ALPHA).
NEWSCRAWL_MONITOR_FIELD_COVERAGE = {
    "article_id": 1.0, "story_id": 1.0, "url": 1.0, "headline": 1.0, "published_at": 1.0, "body": 1.0,
    "word_count": 1.0, "layout": 1.0, "crawled_at": 1.0, "fetched_from": 1.0, "captured_at": 1.0,
    "section": 0.9, "modified_at": 0.8, "dateline_city": 0.8, "dateline_date": 0.7, "end_marker": 0.8,
    "keywords": 0.5, "author_emails": 0.4, "byline": 0.1,
}
NEWSCRAWL_MONITOR_COVERAGE_ALPHA = 0.001
# Local feed files: unbuffered, announced to the state store before the first row.
FEED_STORAGES = {
    "": "newscrawl.components.incremental.DurableFileFeedStorage",
    "file": "newscrawl.components.incremental.DurableFileFeedStorage",
}

# Politeness: a news site, crawled on a schedule.
ROBOTSTXT_OBEY = True
USER_AGENT = f"newscrawl/{__version__} (Yonhap English news feed crawler; obeys robots.txt)"
# Archive crawls (-a archive=..., docs/archive.md): where the public archives answer
# (a test points them at local servers), how many days before `since` the id prefixes
# start, and the least delay between two requests to an archive's hosts (seconds; by
# kind when unset): the Internet Archive limits its CDX server to about 60 queries a
# minute and blocks an address that ignores its 429s.
# (From the environment too, so `newscrawl coverage` and a crawl read the same.)
NEWSCRAWL_WAYBACK_URL = os.environ.get("NEWSCRAWL_WAYBACK_URL", "https://web.archive.org")
NEWSCRAWL_COMMONCRAWL_INDEX_URL = os.environ.get("NEWSCRAWL_COMMONCRAWL_INDEX_URL",
                                                 "https://index.commoncrawl.org/{crawl}-index")
NEWSCRAWL_COMMONCRAWL_COLLECTIONS_URL = os.environ.get("NEWSCRAWL_COMMONCRAWL_COLLECTIONS_URL",
                                                       "https://index.commoncrawl.org/collinfo.json")
NEWSCRAWL_COMMONCRAWL_DATA_URL = os.environ.get("NEWSCRAWL_COMMONCRAWL_DATA_URL", "https://data.commoncrawl.org")
NEWSCRAWL_ARCHIVE_LEAD_DAYS = 3
# Index pages read for one query at most (a Wayback resume key or a Common Crawl page
# count that never ends): 1,000 pages are 5 million captures of a day, or 15 million of a crawl.
NEWSCRAWL_ARCHIVE_MAX_INDEX_PAGES = 1000
# Day prefixes of the English edition's old host, one query a day each (e.g.
# "english.yonhapnews.co.kr/news/{day:%Y/%m/%d}/"): unconfirmed here, so none by default
# (docs/archive.md, "The old host"). Its captures are recognised whichever way they are listed.
NEWSCRAWL_ARCHIVE_LEGACY_PREFIXES = []
NEWSCRAWL_ARCHIVE_DELAY = None
NEWSCRAWL_ARCHIVE_DELAYS = {"wayback": 1.5, "commoncrawl": 1.0, "pywb": 1.0}
# One request at a time to the public archives' hosts (a wait for a 429's Retry-After
# then holds everything sent to that host).
DOWNLOAD_SLOTS = {host: {"concurrency": 1} for host in ("web.archive.org", "index.commoncrawl.org",
                                                       "data.commoncrawl.org")}
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024  # article pages are ~60-120 KB
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# Responses being processed, in bytes, above which Scrapy stops downloading. Its 5 MB
# default is less than one big feed: while a 7 MB RSS hands out its article requests
# as the downloader has room for them (YonhapSpider._room_for_more), nothing would be
# downloaded at all. Room for a few feeds at the size limit and the pages after them.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 3 * DOWNLOAD_MAXSIZE
# Scrapy starts this many asyncio workers for every response's output, whatever it holds:
# an article page gives one item, a listing or feed only requests (handed on at once), and
# no pipeline waits on anything, so one worker loses nothing. 16 workers cost 0.86 M
# instructions a response against 0.18 M for one (callgrind), 3% of a page's CPU; the
# default of 100 costs 4.8 M (docs/performance.md).
CONCURRENT_ITEMS = 1
# Scrapy checks each callback for a `return value` in a generator by parsing its source
# with ast, and its cache misses for bound methods: 0.8 ms of CPU a page
# (benchmarks/profile_crawl.py). The spider's callbacks return nothing.
WARN_ON_GENERATOR_RETURN_VALUE = False
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
REDIRECT_MAX_TIMES = 5
# Retries wait: 1 s, 2 s, 4 s ... (at most 30 s), and at least a 429/503's Retry-After
# (up to 120 s; longer is given up). newscrawl.middlewares, docs/reliability.md.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newscrawl.middlewares.BackoffRetryMiddleware": 550,
    # Scrapy 2.19's lets all but one request that waited for robots.txt go unchecked.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newscrawl.middlewares.SharedRobotsTxtMiddleware": 100,
    # Last on the way back: an archive's answer becomes the page it holds.
    "newscrawl.components.replay.ArchiveReplayMiddleware": 50,
}
NEWSCRAWL_RETRY_BACKOFF_BASE = 1.0
NEWSCRAWL_RETRY_BACKOFF_MAX = 30.0
NEWSCRAWL_RETRY_AFTER_MAX = 120.0
COOKIES_ENABLED = False
# Scrapy asks for br and zstd too; web-archive tools (warcio, and the players built on
# it) cannot read those bodies, so the archive would hold pages no other tool can
# open. gzip and deflate save as much on HTML. (newscrawl's own reader takes all four.)
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
    "Accept-Encoding": "gzip, deflate",
}
# A JOBDIR left by a killed crawl is not trusted; articles exported before or claimed
# by another crawl are not requested (newscrawl.components.dupefilter, docs/running.md). A crawl
# refuses any other filter.
DUPEFILTER_CLASS = "newscrawl.components.dupefilter.ArticleDupeFilter"

# A crawl service exposes no control ports: a crawl refuses to start with either on
# (newscrawl.guards), whoever sets it (scrapyd job settings included).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Hosts explicit `urls` may name although they are link-local, private or otherwise
# special addresses (loopback is always allowed, for local mirrors).
NEWSCRAWL_ALLOWED_HOSTS = []
# A host name that resolves to such an address is refused before a request leaves for it.
TWISTED_DNS_RESOLVER = "newscrawl.components.resolver.GuardedResolver"

ITEM_PIPELINES = {
    "newscrawl.pipelines.StoryTextPipeline": 100,
    "newscrawl.pipelines.DatelinePipeline": 200,
    "newscrawl.pipelines.ValidationPipeline": 300,
    "newscrawl.pipelines.SchemaValidationPipeline": 350,
    "newscrawl.pipelines.DedupPipeline": 400,
}

# Feeds: the documented columns, in order (docs/fields.md).
FEED_EXPORT_FIELDS = list(ARTICLE_FIELDS)
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORTERS = {"csv": "newscrawl.components.exporters.ArticleCsvItemExporter"}
# One JSON Lines file per run under the data directory, named with the start time
# and the scrapyd job id ("local" outside scrapyd); `-o`/`-O` replaces this.
FEED_URI_PARAMS = "newscrawl.feeds.files.feed_uri_params"
# Under the crawl's data dir (%(data_dir)s: NEWSCRAWL_DATA_DIR as the crawl has it, so
# `-s NEWSCRAWL_DATA_DIR=X` moves the feeds with the store and the archive).
FEEDS = {
    "%(data_dir)s/feeds/%(name)s-%(time)s-%(job)s.jsonl": {"format": "jsonlines"},
}

LOG_LEVEL = "INFO"
