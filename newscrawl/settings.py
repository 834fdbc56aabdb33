"""Scrapy settings for newscrawl: polite defaults for the live en.yna.co.kr.

Project settings are prefixed NEWSCRAWL_ / YONHAP_ (docs/running.md lists them).
"""
import os

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

NEWSCRAWL_DATA_DIR = os.environ.get("NEWSCRAWL_DATA_DIR", "data")
NEWSCRAWL_CSV_FORMULA_GUARD = True

# Incremental crawls (newscrawl.incremental, docs/running.md): which articles were
# exported, so a scheduled run fetches only what is new.
NEWSCRAWL_STATE_ENABLED = True
NEWSCRAWL_STATE_PATH = os.environ.get("NEWSCRAWL_STATE_PATH", default_state_path(NEWSCRAWL_DATA_DIR))
NEWSCRAWL_STATE_BATCH_SIZE = 100  # exported items per state commit (and one at the end)
EXTENSIONS = {
    "newscrawl.incremental.IncrementalState": 500,
    # After the monitors (their checks go into it); writes one JSON per run by the feed.
    "newscrawl.report.RunReport": 900,
}
NEWSCRAWL_REPORT_ENABLED = True
# Local feed files: unbuffered, announced to the state store before the first row.
FEED_STORAGES = {
    "": "newscrawl.incremental.DurableFileFeedStorage",
    "file": "newscrawl.incremental.DurableFileFeedStorage",
}

# Politeness: a news site, crawled on a schedule.
ROBOTSTXT_OBEY = True
USER_AGENT = "newscrawl/0.1 (Yonhap English news feed crawler; obeys robots.txt)"
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
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False

# A crawl service exposes no control ports.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

ITEM_PIPELINES = {
    "newscrawl.pipelines.StoryTextPipeline": 100,
    "newscrawl.pipelines.DatelinePipeline": 200,
    "newscrawl.pipelines.ValidationPipeline": 300,
    "newscrawl.pipelines.DedupPipeline": 400,
}

# Feeds: the documented columns, in order (docs/fields.md).
FEED_EXPORT_FIELDS = list(ARTICLE_FIELDS)
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORTERS = {"csv": "newscrawl.exporters.ArticleCsvItemExporter"}
# One JSON Lines file per run under the data directory, named with the start time
# and the scrapyd job id ("local" outside scrapyd); `-o`/`-O` replaces this.
FEED_URI_PARAMS = "newscrawl.feeds.feed_uri_params"
FEEDS = {
    os.path.join(NEWSCRAWL_DATA_DIR, "feeds", "%(name)s-%(time)s-%(job)s.jsonl"): {"format": "jsonlines"},
}

LOG_LEVEL = "INFO"
