"""The `yonhap` spider: discovery only. Extraction is the page objects' job
(newscrawl.pages), cleaning the pipelines' (newscrawl.pipelines).

Discovery, all on by default: RSS feeds, the Google News sitemap, the /news listing
with pagination (stopping at `since`). Explicit `urls`/`urls_file` replace discovery.

Arguments (-a NAME=VALUE), checked before the crawl starts:
  since, until   YYYY-MM-DD (KST), inclusive; articles published outside are skipped
  sections       comma list of section names (see SECTIONS) or listing paths
  urls           comma list of article URLs (any host: a mirror or an archive too)
  urls_file      file with one article URL a line (# comments, blank lines ignored)
  max_pages      listing pages to read per listing (default YONHAP_MAX_LISTING_PAGES)
  discover       comma list of rss, sitemap, listing (default: all three)
  refetch        true: fetch and export again pages the state store says were
                 exported before (default false: they are skipped)

Incremental crawls: an article page whose id the state store holds is not requested,
whichever source found it; stat newscrawl/incremental/skipped. Nor is one another live
crawl on the same store has claimed (several crawls, several machines); stat
newscrawl/incremental/claimed_elsewhere. The duplicate filter decides that
(newscrawl.components.dupefilter.ArticleDupeFilter): article requests carry their id in
meta[ARTICLE_ID].
"""
from __future__ import annotations

import asyncio
import logging
import re
import sys
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from dateutil.parser import isoparse
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.http import TextResponse
from scrapy.utils.misc import load_object

import newscrawl
from newscrawl.archives.sources import parse_archive, ArchiveSource
from newscrawl.components.incremental import IncrementalState
from newscrawl.components.replay import CAPTURE_KEY
from newscrawl.discovery.rss_sitemap import FeedEntries
from newscrawl.spiders.archive import ArchiveDiscovery
from newscrawl.components.dupefilter import ARTICLE_ID, FATE, ArticleDupeFilter
from newscrawl.components.engine import engine_closing
from newscrawl.feeds.files import local_path
from newscrawl.guards import control_port_problems, moved_component_problems, non_utf8_paths, special_address
from newscrawl.secrets import has_credentials, redacted
from newscrawl.ids import YONHAP_HOSTS, article_id_from_url, explicit_url, fetch_url, on_site
from newscrawl.processing import read_page
from newscrawl.warc.writer import GZIP_LEVELS
from newscrawl.components.workers import ExtractionWorkers
from newscrawl.text.dateline import KST, listed_day
from newscrawl.state import default_state_path
from newscrawl.text.times import as_kst

logger = logging.getLogger(__name__)

DISCOVERY_MODES = ("rss", "sitemap", "listing")
# Article pages go before the next feed, sitemap or listing page: the scheduler then
# holds one page's worth of article requests, not a whole backfill's (memory stays
# flat however many pages the listings run to).
ARTICLE_PRIORITY = 10
# Why a fetched page gave no article (newscrawl.processing.read_page), for the log.
_SKIPPED = {"response/empty": "empty page",
            "response/not_article": "not an article page (challenge, consent or error page?)"}
# An XML feed that declares entities could expand them (billion laughs) or fetch them
# (external entities); Yonhap's feeds declare none, so such a feed is refused.
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
# Section name -> (listing path, RSS feed path or None). SITE.md "Discovery".
SECTIONS = {
    "politics": ("/national/politics", "/RSS/national.xml"),
    "diplomacy": ("/national/diplomacy", "/RSS/national.xml"),
    "defense": ("/national/defense", "/RSS/national.xml"),
    "national": ("/national/national", "/RSS/national.xml"),
    "nk": ("/nk/index", "/RSS/nk.xml"),
    "economy": ("/economy-finance/economy", "/RSS/economy-finance.xml"),
    "finance": ("/economy-finance/finance", "/RSS/economy-finance.xml"),
    "culture": ("/culture/index", "/RSS/culture.xml"),
    "sports": ("/sports/index", "/RSS/sports.xml"),
    "editorials": ("/editorials/index", None),
    "features": ("/features/index", None),
    "interviews": ("/interviews/index", None),
}


@dataclass(frozen=True)
class CrawlPlan:
    """The checked spider arguments."""

    since: date | None
    until: date | None
    listing_paths: tuple[str, ...]
    rss_paths: tuple[str, ...]
    sitemap_paths: tuple[str, ...]
    explicit_urls: tuple[str, ...]
    max_pages: int
    refetch: bool = False
    archive: ArchiveSource | None = None  # -a archive=...: discovery through its index


def _parse_day(name: str, value: str | None) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{name} must be a date YYYY-MM-DD (KST), got {value!r}") from None


_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _parse_bool(name: str, value: str | None) -> bool:
    if value in (None, ""):
        return False
    try:
        return _BOOLEANS[str(value).strip().lower()]
    except KeyError:
        raise ValueError(f"{name} must be true or false, got {value!r}") from None


def _comma_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


_SITE_PATH = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*(\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?")


def _site_paths(settings, name: str) -> list[str]:
    """A YONHAP_*_PATHS setting: paths on the site, like /RSS/news.xml (on the command
    line: -s NAME=/a.xml,/b.xml)."""
    paths = [str(path).strip() for path in settings.getlist(name) if str(path).strip()]
    if bad := [path for path in paths if not _SITE_PATH.fullmatch(path)]:
        raise ValueError(f"{name} takes paths on the site such as /RSS/news.xml, comma-separated; got {', '.join(map(repr, bad))}")
    return paths


def plan_from_arguments(settings, since=None, until=None, sections=None, urls=None, urls_file=None,
                        max_pages=None, discover=None, refetch=None, archive=None, _job=None, **unknown) -> CrawlPlan:
    """Check the spider arguments; ValueError says what is wrong. (`_job` is the job
    id scrapyd passes to every crawl; feed and report names carry it.)"""
    if unknown:
        names = ", ".join(sorted(unknown))
        raise ValueError(f"unknown argument(s) {names}; known: since, until, sections, urls, urls_file, max_pages, "
                         "discover, refetch, archive")
    since_day, until_day = _parse_day("since", since), _parse_day("until", until)
    refetch_known = _parse_bool("refetch", refetch)
    if since_day and until_day and until_day < since_day:
        raise ValueError(f"until ({until_day}) is before since ({since_day})")
    base_url = settings.get("YONHAP_BASE_URL")
    pages = settings.getint("YONHAP_MAX_LISTING_PAGES")
    if max_pages not in (None, ""):
        try:
            pages = int(max_pages)
        except ValueError:
            pages = 0
        if pages < 1:
            raise ValueError(f"max_pages must be a whole number of at least 1, got {max_pages!r}")

    explicit, bad = [], []
    allowed_hosts = settings.getlist("NEWSCRAWL_ALLOWED_HOSTS")
    for url in _comma_list(urls):
        if has_credentials(url):
            # The password would be in the log, the run report and the archive.
            raise ValueError(f"refused: {redacted(url)} carries credentials; article URLs take none")
        fetched = explicit_url(url, base_url)
        (explicit if fetched else bad).append(fetched or url)
    if bad:
        raise ValueError(f"not an article URL (…/view/AEN…): {', '.join(bad[:5])}" + (" …" if len(bad) > 5 else ""))
    for url in explicit:
        if reason := special_address(url, allowed_hosts):
            raise ValueError(f"refused: {url} is at {reason}; allow its host with -s NEWSCRAWL_ALLOWED_HOSTS=HOST")
    if urls_file:
        path = Path(urls_file)
        if not path.is_file():
            raise ValueError(f"urls_file {urls_file!r} does not exist or is not a file")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"urls_file {urls_file!r} cannot be read: {error}") from None
        bad_lines, special_lines, secret_lines = [], [], []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip() and not line.lstrip().startswith("#"):
                fetched = explicit_url(line.strip(), base_url)
                if has_credentials(line.strip()):
                    secret_lines.append(str(number))
                elif fetched and special_address(fetched, allowed_hosts):
                    special_lines.append(str(number))
                elif fetched:
                    explicit.append(fetched)
                else:
                    bad_lines.append(str(number))
        # Line numbers only: the file's text is not echoed into logs (a scheduled job
        # must not be able to copy a file it can read into its log).
        if bad_lines:
            raise ValueError(f"urls_file {urls_file!r}: line(s) {', '.join(bad_lines[:10])}"
                             + (" …" if len(bad_lines) > 10 else "") + " hold no article URL (…/view/AEN…)")
        if secret_lines:
            raise ValueError(f"urls_file {urls_file!r}: line(s) {', '.join(secret_lines[:10])}"
                             + (" …" if len(secret_lines) > 10 else "") + " carry credentials; article URLs take none")
        if special_lines:
            raise ValueError(f"urls_file {urls_file!r}: line(s) {', '.join(special_lines[:10])}"
                             + (" …" if len(special_lines) > 10 else "") + " point to link-local, private or other "
                             "special addresses; allow a host with -s NEWSCRAWL_ALLOWED_HOSTS=HOST")
        if not explicit:
            raise ValueError(f"urls_file {urls_file!r} holds no URL")

    source = None
    if archive is not None:
        if not str(archive).strip():  # an unset shell variable must not start a live crawl
            raise ValueError("archive is empty: name wayback, commoncrawl, commoncrawl:CRAWL,... or a pywb collection URL")
        endpoints = {name: settings.get(name) for name in ("NEWSCRAWL_WAYBACK_URL", "NEWSCRAWL_COMMONCRAWL_INDEX_URL",
                                                           "NEWSCRAWL_COMMONCRAWL_DATA_URL",
                                                           "NEWSCRAWL_COMMONCRAWL_COLLECTIONS_URL")}
        for name, value in {"archive": str(archive), **endpoints}.items():
            if has_credentials(str(value or "")):
                raise ValueError(f"refused: {name} {redacted(str(value))} carries credentials")
        source = parse_archive(str(archive).strip(), *endpoints.values())
        if since_day and since_day.year < 1996:
            raise ValueError(f"since ({since_day}) is before any web archive (1996)")
        if since_day is None and not explicit:
            raise ValueError("an archive crawl needs since=YYYY-MM-DD (and until, default today), or urls/urls_file")
        if discover or sections:
            raise ValueError("an archive crawl discovers through the archive's index: drop discover and sections")
        if since_day and since_day > datetime.now(KST).date():
            raise ValueError(f"since ({since_day}) is in the future: an archive holds the past")
    modes = _comma_list(discover) or list(DISCOVERY_MODES)
    if wrong := [m for m in modes if m not in DISCOVERY_MODES]:
        raise ValueError(f"discover takes {', '.join(DISCOVERY_MODES)}; got {', '.join(wrong)}")
    listing_paths = _site_paths(settings, "YONHAP_LISTING_PATHS")
    rss_paths = _site_paths(settings, "YONHAP_RSS_PATHS")
    sitemap_paths = _site_paths(settings, "YONHAP_SITEMAP_PATHS")
    if chosen := _comma_list(sections):
        listing_paths, rss_paths = [], []
        for section in chosen:
            if section.startswith("/"):
                if not _SITE_PATH.fullmatch(section):
                    raise ValueError(f"not a listing path: {section!r}")
                listing_paths.append(section.rstrip("/"))
            elif section in SECTIONS:
                listing, feed = SECTIONS[section]
                listing_paths.append(listing)
                if feed and feed not in rss_paths:
                    rss_paths.append(feed)
            else:
                raise ValueError(f"unknown section {section!r}; known: {', '.join(SECTIONS)} or a path like /national/politics")
        sitemap_paths = []  # the sitemap cannot be narrowed to a section
    live = not explicit and source is None
    return CrawlPlan(
        since=since_day,
        until=until_day,
        listing_paths=tuple(listing_paths) if "listing" in modes and live else (),
        rss_paths=tuple(rss_paths) if "rss" in modes and live else (),
        sitemap_paths=tuple(sitemap_paths) if "sitemap" in modes and live else (),
        explicit_urls=tuple(dict.fromkeys(explicit)),
        max_pages=pages,
        refetch=refetch_known,
        archive=source,
    )


def _crawl_paths(settings) -> list[str]:
    """The local paths a crawl writes into: data dir, store, archive, JOBDIR, feeds."""
    paths = [settings.get(name) for name in ("NEWSCRAWL_DATA_DIR", "NEWSCRAWL_WARC_DIR", "JOBDIR")]
    if not settings.get("NEWSCRAWL_STATE_URL"):
        paths.append(settings.get("NEWSCRAWL_STATE_PATH") or default_state_path(settings.get("NEWSCRAWL_DATA_DIR") or "data"))
    paths += [str(path) for uri in settings.getdict("FEEDS") if (path := local_path(str(uri))) is not None]
    return [str(path) for path in paths if path]


def _too_large(error: BaseException, message: str) -> bool:
    """A response larger than DOWNLOAD_MAXSIZE: announced (Scrapy's message says so),
    found out while arriving without a Content-Length (Scrapy cancels the download,
    with no message), or a compressed body that would decompress past it."""
    return ("max size" in message or "DOWNLOAD_MAXSIZE" in message
            or type(error).__name__ in ("CancelledError", "DownloadCancelledError"))


class YonhapSpider(ArchiveDiscovery, scrapy.Spider):
    name = "yonhap"

    def __init__(self, *args, **kwargs):
        self._arguments = {k: kwargs.pop(k) for k in list(kwargs) if k not in ("_job",)}
        super().__init__(*args, **kwargs)

    @classmethod
    def check_arguments(cls, settings, **arguments) -> CrawlPlan:
        return plan_from_arguments(settings, **arguments)

    @classmethod
    def check_settings(cls, settings) -> None:
        """ValueError for settings a crawl refuses: control ports and component paths that
        moved (newscrawl.guards), and a duplicate filter that would not skip the articles
        exported before nor count the articles requested (the health checks' denominator)."""
        if problems := control_port_problems(settings.getbool):
            raise ValueError(problems[0])
        if problems := moved_component_problems({name: settings[name] for name in settings}):
            raise ValueError(problems[0])
        if problems := non_utf8_paths(_crawl_paths(settings)):
            raise ValueError(problems[0])
        level = settings.get("NEWSCRAWL_WARC_GZIP_LEVEL")
        if level not in (None, "") and str(level).strip() not in {str(n) for n in GZIP_LEVELS}:
            raise ValueError(f"NEWSCRAWL_WARC_GZIP_LEVEL={level}: a gzip level, 0-3 (ISA-L, fast) or 4-9 (zlib, "
                             "slower, smaller files)")
        name = settings.get("DUPEFILTER_CLASS")
        try:
            dupefilter = load_object(name)
        except (ImportError, NameError, ValueError, AttributeError):
            dupefilter = None
        if not (isinstance(dupefilter, type) and issubclass(dupefilter, ArticleDupeFilter)):
            raise ValueError(f"DUPEFILTER_CLASS must be newscrawl.components.dupefilter.ArticleDupeFilter or a subclass "
                             f"(it decides which articles are requested, and counts them); got {name!r}")

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        # Here too, not only in the crawl command: a crawl started any other way must
        # not open a control port either (this runs before any extension is built).
        cls.check_settings(settings)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.base_url = crawler.settings.get("YONHAP_BASE_URL").rstrip("/")
        spider.plan = plan_from_arguments(crawler.settings, **spider._arguments)
        # Requests (redirects included) go only to Yonhap's hosts, the base URL's, and
        # the hosts of explicit URLs; Scrapy's OffsiteMiddleware enforces it.
        hosts = {urlsplit(spider.base_url).hostname, *YONHAP_HOSTS, *(urlsplit(u).hostname for u in spider.plan.explicit_urls)}
        if spider.plan.archive is not None:  # nothing goes to the site: only the archive's hosts
            hosts = set(spider.plan.archive.hosts)
        spider.allowed_domains = sorted(host for host in hosts if host)
        spider.incremental = None  # IncrementalState, once the extensions are built (start)
        spider.workers = None  # ExtractionWorkers, when NEWSCRAWL_EXTRACT_PROCESSES > 0
        spider._sitemap_documents = 0  # sitemap documents requested this run (NEWSCRAWL_SITEMAP_MAX_DOCUMENTS)
        spider.day_reached = None  # the oldest day of a listed article so far (progress of a backfill)
        spider._room = asyncio.Event()
        crawler.signals.connect(spider._room.set, signals.request_left_downloader)
        return spider

    @property
    def refetch(self) -> bool:
        """True when pages exported before are fetched and exported again."""
        return self.plan.refetch

    # -- helpers -------------------------------------------------------------
    def _inc(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"newscrawl/{key}", count)

    def _in_window(self, day: date | None) -> bool:
        if day is None:
            return True
        return not ((self.plan.since and day < self.plan.since) or (self.plan.until and day > self.plan.until))

    def _article_request(self, link: str, source: str, day: date | None = None):
        url = fetch_url(link, self.base_url)
        if url is None:
            self._inc(f"discovery/{source}/offsite_or_not_article")
            logger.debug("not followed (%s): %s", source, link)
            return None
        if not self._in_window(day):
            self._inc(f"discovery/{source}/out_of_range")
            return None
        self._inc(f"discovery/{source}/links")
        return self.article_request(url, source)

    def article_request(self, url: str, source: str, claimed: bool = False) -> scrapy.Request:
        """An article page's request. Whether it is fetched is the duplicate filter's
        call (exported before, claimed by another crawl, asked for already), unless
        `claimed`: this run already holds it (another crawl's article, free again)."""
        meta = {ARTICLE_ID: article_id_from_url(url)}
        if claimed:
            meta[FATE] = "requested"
            self._inc("articles/requested")
        return scrapy.Request(url, callback=self.parse_article, errback=self.article_failed, cb_kwargs={"source": source},
                              meta=meta, priority=ARTICLE_PRIORITY, dont_filter=claimed)

    # -- discovery -------------------------------------------------------------
    async def start(self):
        plan = self.plan
        # Which code runs: under scrapyd, the deployed egg's path shows here.
        origin, shadowed_egg = newscrawl.code_origin(newscrawl.__file__, sys.path)
        logger.info("newscrawl %s from %s", newscrawl.__version__, origin)
        if shadowed_egg:
            self.crawler.stats.set_value("newscrawl/code/egg_shadowed", 1)
            logger.warning("the deployed egg %s is not the code that runs (an installed copy comes first): set "
                           "runner = newscrawl_runner in scrapyd.conf (docs/scheduling.md)", shadowed_egg)
        self.workers = self.crawler.get_extension(ExtractionWorkers)
        self.incremental = self.crawler.get_extension(IncrementalState)
        if plan.archive is not None:
            logger.info("archive crawl: %s, through its index (nothing is requested from %s)", plan.archive.name,
                        urlsplit(self.base_url).hostname)
            for request in self.archive_requests():
                if not await self._room_for_more():
                    return
                yield request
            return
        for url in plan.explicit_urls:
            self._inc("discovery/explicit/links")
            if not await self._room_for_more():
                return
            yield self.article_request(url, "explicit")
        # Feeds and sitemaps are never filtered as seen: one a crawl closed before reading
        # to the end (_room_for_more) is read again when a JOBDIR crawl resumes.
        for path in plan.rss_paths:
            yield scrapy.Request(self.base_url + path, callback=self.parse_rss, errback=self.source_failed,
                                 dont_filter=True)
        self._sitemap_documents = len(plan.sitemap_paths)
        for path in plan.sitemap_paths:
            yield scrapy.Request(self.base_url + path, callback=self.parse_sitemap, errback=self.source_failed,
                                 dont_filter=True)
        for path in plan.listing_paths:
            yield scrapy.Request(self.base_url + path, callback=self.parse_listing, errback=self.source_failed,
                                 cb_kwargs={"path": path, "page": 1})

    async def _room_for_more(self) -> bool:
        """Wait while the engine has no room for another article request; False when
        no more will be fetched: the crawl is closing. (A feed left part-way is read
        again by the next run, or by the resumed one with a JOBDIR: feed requests are
        never filtered as seen.)

        Scrapy reads start() on while the downloader is full, and schedules whatever a
        callback yields: a urls_file of 10,000 URLs or an RSS of 100,000 items would
        otherwise sit in the scheduler as that many Request objects (about 1 KB each)."""
        try:
            engine = self.crawler.engine
        except RuntimeError:  # read outside a crawl (tests, benchmarks/feeds.py)
            return True
        while not engine_closing(engine):
            if not self._no_room(engine):
                return True
            self._room.clear()
            try:  # woken when a request leaves the downloader; the timeout covers a busy scraper
                await asyncio.wait_for(self._room.wait(), 0.25)
            except asyncio.TimeoutError:
                pass
        return False

    def _no_room(self, engine) -> bool:
        """A round of requests (CONCURRENT_REQUESTS) is queued for the downloader. The
        queue, not the downloader, is what is measured: the downloader has a free place
        each time a page comes back, before the engine refills it from the queue, and
        a feed yielding into every such gap grew the queue by thousands. Not while the
        scraper is over its budget (SCRAPER_SLOT_MAX_ACTIVE_SIZE): the engine then takes
        nothing from the queue, and the feed waiting here may be what fills the scraper."""
        slot = engine.scraper.slot
        if slot is not None and slot.needs_backout():
            return False
        try:
            queued = len(engine.scheduler)
        except TypeError:  # a scheduler that cannot tell: wait while the downloader is full
            return engine.downloader.needs_backout()
        return queued >= self.crawler.settings.getint("CONCURRENT_REQUESTS")

    def _readable(self, response, source: str) -> bool:
        """False (counted, logged) for a non-text response or an XML feed that declares
        entities."""
        if not isinstance(response, TextResponse):
            self._inc(f"discovery/{source}/unreadable")
            logger.error("%s is not a text response, skipped: %s", source, response.url)
            return False
        if source != "listing" and _ENTITY_DECLARATION.search(response.body[:65536]):
            self._inc(f"discovery/{source}/entities_refused")
            logger.error("%s declares XML entities (entity expansion or external entities), skipped: %s",
                         source, response.url)
            return False
        return True

    def _entries(self, response, source: str, kinds: tuple[str, ...]):
        """The feed's entries, read as they come (newscrawl.discovery.rss_sitemap); counts an empty
        or broken feed."""
        entries = FeedEntries(response.body, kinds)
        count = 0
        for count, entry in enumerate(entries, start=1):
            yield entry
        if entries.broken:
            self._inc(f"discovery/{source}/malformed")
            logger.error("%s stops making sense after %d entries, the rest skipped: %s (%s)", source, count,
                         response.url, entries.broken[:200])
        elif count == 0:
            self._inc(f"discovery/{source}/empty")
            logger.warning("%s without entries: %s", source, response.url)

    # RSS and sitemaps hand out their article requests as the downloader has room for
    # them: reading stops between entries, so the scheduler holds a round of requests,
    # not the whole feed's.
    async def parse_rss(self, response):
        if not self._readable(response, "rss"):
            return
        for _, item in self._entries(response, "rss", ("item",)):
            stamp = item.get("pubDate", "")
            day = self._feed_day(stamp, "rss", parsedate_to_datetime) if stamp else None
            if request := self._article_request(item.get("link", ""), "rss", day):
                if not await self._room_for_more():
                    return
                yield request

    async def parse_sitemap(self, response, depth: int = 0):
        if not self._readable(response, "sitemap"):
            return
        for kind, entry in self._entries(response, "sitemap", ("url", "sitemap")):
            link = entry.get("loc", "")
            if kind == "sitemap":
                if request := self._child_sitemap(response, link, depth + 1):
                    yield request
                continue
            stamp = entry.get("publication_date", "")
            day = self._feed_day(stamp, "sitemap", isoparse) if stamp else None
            if request := self._article_request(link, "sitemap", day):
                if not await self._room_for_more():
                    return
                yield request

    def _child_sitemap(self, response, link: str, depth: int):
        """The request for a sitemap an index lists, within NEWSCRAWL_SITEMAP_MAX_DEPTH
        levels and NEWSCRAWL_SITEMAP_MAX_DOCUMENTS documents a run (a chain of indexes
        must end)."""
        if not on_site(link, self.base_url):
            self._inc("discovery/sitemap/offsite_or_not_article")
            return None
        settings = self.crawler.settings
        if depth > settings.getint("NEWSCRAWL_SITEMAP_MAX_DEPTH"):
            self._inc("discovery/sitemap/depth_limited")
            logger.warning("sitemap index nested deeper than NEWSCRAWL_SITEMAP_MAX_DEPTH, not followed: %s", link)
            return None
        if self._sitemap_documents >= settings.getint("NEWSCRAWL_SITEMAP_MAX_DOCUMENTS"):
            self._inc("discovery/sitemap/count_limited")
            logger.warning("NEWSCRAWL_SITEMAP_MAX_DOCUMENTS sitemaps read this run, not followed: %s", link)
            return None
        self._sitemap_documents += 1
        # A child sitemap on Yonhap's host is read from the base URL (a mirror).
        child = urlsplit(response.urljoin(link))
        return scrapy.Request(self.base_url + child.path + (f"?{child.query}" if child.query else ""),
                              callback=self.parse_sitemap, errback=self.source_failed, cb_kwargs={"depth": depth},
                              dont_filter=True)

    def _feed_day(self, stamp: str, source: str, parse) -> date | None:
        """The KST day of a feed entry's date, or None (newscrawl/discovery/<source>/bad_date)
        when it does not parse or is implausible: the entry is still followed."""
        try:
            moment = as_kst(parse(stamp))
        except (TypeError, ValueError, IndexError, OverflowError):
            moment = None
        if moment is None:
            self._inc(f"discovery/{source}/bad_date")
            return None
        return moment.date()

    def parse_listing(self, response, path: str, page: int):
        if not self._readable(response, "listing"):
            return
        entries = response.selector.css("div.smain-list-type01 li article")
        if not entries:
            self._inc("discovery/listing/empty_pages")
            if page == 1:
                logger.warning("listing page without items (layout change?): %s", response.url)
            return
        today = datetime.now(KST)
        days = []
        for entry in entries:
            link = entry.css("h2.tit a::attr(href)").get()
            day = self._listing_day(link and response.urljoin(link), entry.css("span.date::text").get(), today)
            if day:
                days.append(day)
                if self.day_reached is None or day < self.day_reached:
                    self.day_reached = day
            if link and (request := self._article_request(response.urljoin(link), "listing", day)):
                yield request
        # A backfill ends at a page published wholly before `since` (newest first): one
        # entry before it is no end (a later version may be listed among older stories).
        reached_since = bool(days) and self.plan.since is not None and max(days) < self.plan.since
        if reached_since or page >= self.plan.max_pages:
            return
        yield scrapy.Request(f"{self.base_url}{path}/{page + 1}", callback=self.parse_listing, errback=self.source_failed,
                             cb_kwargs={"path": path, "page": page + 1})

    def _listing_day(self, link: str | None, text: str | None, today: datetime) -> date | None:
        """A listed article's publication day (newscrawl.text.dateline.listed_day)."""
        day, mismatch = listed_day(text, article_id_from_url(link or ""), today)
        if mismatch:
            self._inc("discovery/listing/date_mismatch")
            logger.debug("listing says %s, its id another day: %s", text, link)
        return day

    # -- articles --------------------------------------------------------------
    async def parse_article(self, response, source: str):
        if not isinstance(response, TextResponse):
            self._inc("response/not_text")
            logger.warning("not an HTML page, skipped: %s", response.url)
            return
        if self.workers is not None:  # NEWSCRAWL_EXTRACT_PROCESSES: parsed in a worker process
            reading = await self.workers.read(response.body, response.encoding, response.url)
        else:
            reading = read_page(response.body, response.encoding, response.url)
        for key, count in reading.counts.items():
            self._inc(key, count)
        for note in reading.notes:
            logger.warning("%s: %s", note, response.url)
        capture = response.meta.get(CAPTURE_KEY)
        if capture is not None and (reading.skipped or reading.article is None):
            # An archive's capture that is cut off or no article page: the next capture.
            self._inc(reading.skipped or "response/no_article")
            logger.warning("%s, capture passed over: %s", _SKIPPED.get(reading.skipped, reading.skipped),
                           capture["capture"].url)
            if request := self.next_capture(response.request, reading.skipped or "no article", content=True):
                yield request
            return
        if reading.skipped == "response/truncated":
            # A 200 whose HTML stops part-way (a proxy or the site cut it off): fetch it
            # again; never export the story as if it were complete.
            self._inc("response/truncated")
            tries = response.meta.get("newscrawl_truncated", 0)
            if tries >= self.crawler.settings.getint("RETRY_TIMES"):
                self._inc("dropped/truncated")
                logger.error("page still cut off after %d retries, dropped: %s", tries, response.url)
            else:
                self._inc("retry/truncated")
                # A fresh meta: Scrapy's download keys must not travel to the new request.
                yield response.request.replace(dont_filter=True, meta={"newscrawl_truncated": tries + 1})
            return
        if reading.skipped:
            self._inc(reading.skipped)
            logger.warning("%s, skipped: %s", _SKIPPED[reading.skipped], response.url)
            return
        article = reading.article
        if capture is not None:
            wanted = response.meta.get(ARTICLE_ID)
            if article.article_id != wanted:  # the archive served another article's page
                self._inc("archive/bad_record/other_article")
                logger.warning("the capture of %s holds %s, passed over: %s", wanted, article.article_id or "no id",
                               capture["capture"].url)
                if request := self.next_capture(response.request, "another article", content=True):
                    yield request
                return
            self.capture_done(wanted)
            article.fetched_from, article.captured_at = capture["source"].name, capture["capture"].captured_at
            if self.refetch and not self._later_than_stored(article):
                self._inc("archive/articles/not_newer")
                return
        if source != "explicit" and article.published_at:
            day = datetime.fromisoformat(article.published_at).date()
            if not self._in_window(day):
                self._inc("filtered/out_of_range")
                return
        yield article

    def _later_than_stored(self, article) -> bool:
        """With refetch, an archive's capture replaces a stored row only when it says it
        was modified later (an older capture is the past, not a revision)."""
        stored = self.incremental.stored_record(article.article_id) if self.incremental is not None else None
        if not stored:
            return True
        return (article.modified_at or article.published_at) > (stored.get("modified_at") or stored.get("published_at") or "")

    def source_failed(self, failure):
        """A feed, sitemap or listing page that could not be fetched (after retries)."""
        source = {self.parse_rss: "rss", self.parse_sitemap: "sitemap"}.get(failure.request.callback, "listing")
        if (source == "listing" and failure.request.cb_kwargs.get("page", 1) > 1 and isinstance(failure.value, HttpError)
                and failure.value.response.status == 404):
            self._inc("discovery/listing/end")  # paged past the last listing page
            logger.info("listing ends before page %d: %s", failure.request.cb_kwargs["page"], failure.request.url)
            return
        self._inc(f"discovery/{source}/failed")
        logger.error("%s page could not be fetched, skipped: %s (%s)", source, failure.request.url,
                     str(failure.value)[:200] or type(failure.value).__name__)

    def article_failed(self, failure):
        """An article request that gave no page (after any retries): counted by cause
        under newscrawl/request_failed/, logged with its URL."""
        error = failure.value
        message = str(error)
        if isinstance(error, HttpError):
            cause = f"http_{error.response.status}"
        elif isinstance(error, IgnoreRequest) and "max redirections" in message:
            cause = "redirect_loop"
        elif _too_large(error, message):
            cause = "too_large"
        elif isinstance(error, IgnoreRequest) and "robots.txt" in message:
            cause = "robots"
        else:
            cause = type(error).__name__
        self._inc(f"request_failed/{cause}")
        logger.warning("no article from %s: %s (%s)", failure.request.url, cause, message[:200])
