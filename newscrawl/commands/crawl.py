"""`scrapy crawl` that checks spider arguments before the crawl starts.

A spider class may define `check_settings(settings)` and `check_arguments(settings,
**spider_args)` raising ValueError; the message becomes a one-line usage error (exit
status 2) instead of a traceback from inside the engine. A state store that cannot be used (corrupt, from a
newer version, unreachable) stops the run here with one log line, exit 1.
A crawl whose health monitors failed exits with status 3 (UNHEALTHY); one whose feed
could not be written exits with status 1 (newscrawl.components.feedexport).

`-o`/`-O` replace the project's default feed (Scrapy would add them to FEEDS), and
local feed files are checked first (newscrawl.feeds.files.feed_problems): appending to a
JSON file or to a CSV file with other columns is refused with a usage error.
"""
from __future__ import annotations

import logging

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newscrawl.components.feedexport import CheckedFeedExporter
from newscrawl.feeds.files import feed_problems
from newscrawl.monitoring.health import unreachable
from newscrawl.components.incremental import IncrementalState, StateStoreError, check_state_store
from newscrawl.components.run_report import RunReport
from newscrawl.monitoring.run_report import summary_line

logger = logging.getLogger(__name__)
UNHEALTHY = 3  # the crawl ran, but a health check failed (docs/monitoring.md)


def _store_failure_in_one_line(record: logging.LogRecord) -> bool:
    """A state store that fails while the crawler is built (locked past its busy
    timeout, lost) reaches asyncio's "Task exception was never retrieved" with its
    traceback: said instead as the one line it is."""
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, StateStoreError):
        record.msg, record.args = "crawl not started: %s", (error,)
        record.levelno, record.levelname = logging.CRITICAL, "CRITICAL"
        record.exc_info = record.exc_text = None
    return True


logging.getLogger("asyncio").addFilter(_store_failure_in_one_line)


class Command(ScrapyCrawlCommand):
    _crawler = None

    def process_options(self, args, opts):
        if opts.output or opts.overwrite_output:
            # Scrapy merges -o/-O into FEEDS; emptied first, they replace the default feed.
            self.settings.set("FEEDS", {}, priority="cmdline")
        super().process_options(args, opts)

    def run(self, args, opts):
        spidercls = None
        if len(args) == 1 and args[0] in self.crawler_process.spider_loader.list():
            spidercls = self.crawler_process.spider_loader.load(args[0])
        try:
            if hasattr(spidercls, "check_settings"):
                spidercls.check_settings(self.settings)
            if hasattr(spidercls, "check_arguments"):
                plan = spidercls.check_arguments(self.settings, **opts.spargs)
                if archive := getattr(plan, "archive", None):
                    # The archive the user names is theirs: its hosts pass the guard
                    # against special addresses (a pywb on a private address).
                    allowed = [*self.settings.getlist("NEWSCRAWL_ALLOWED_HOSTS"), *archive.hosts]
                    self.settings.set("NEWSCRAWL_ALLOWED_HOSTS", allowed, priority="cmdline")
                    # The archive's politeness, under a DOWNLOAD_DELAY given with -s.
                    delay = self.settings.get("NEWSCRAWL_ARCHIVE_DELAY")
                    if delay in (None, ""):
                        delay = self.settings.getdict("NEWSCRAWL_ARCHIVE_DELAYS").get(archive.kind, 1.0)
                    self.settings.set("DOWNLOAD_DELAY", float(delay), priority="spider")
        except ValueError as error:
            raise UsageError(f"spider {args[0]}: {error}", print_help=False) from None
        if problems := feed_problems(self.settings.getdict("FEEDS"), self.settings.getlist("FEED_EXPORT_FIELDS")):
            raise UsageError(problems[0], print_help=False)
        try:
            check_state_store(self.settings)
        except StateStoreError as error:
            logger.critical("crawl not started: %s", error)
            self.exitcode = 1
            return
        super().run(args, opts)
        if self.exitcode != 0 or self.crawler_process.bootstrap_failed:
            return  # the crawl did not start (Scrapy has said why): nothing more to judge
        state = self._crawler.get_extension(IncrementalState) if self._crawler is not None else None
        exporter = self._crawler.get_extension(CheckedFeedExporter) if self._crawler is not None else None
        report = self._crawler.get_extension(RunReport) if self._crawler is not None else None
        if state is not None and state.lost:
            self._summary(exporter, "stopped: the state store was lost")
            logger.error("crawl stopped: %s; the next run takes in the rows already in the feed files", state.lost)
            self.exitcode = 1
            return
        if exporter is not None and exporter.failed:
            self._summary(exporter, "failed: a feed could not be written")
            logger.error("crawl failed: feed(s) %s could not be written; the next run exports their articles again",
                         ", ".join(exporter.failed))
            self.exitcode = 1
            return
        if self.exitcode == 0 and report is not None and report.failed_checks:
            names = ", ".join(check["name"] for check in report.failed_checks)
            self._summary(exporter, f"unhealthy: failed checks {names}")
            if why := unreachable(self._crawler.stats.get_stats()):
                # An archive crawl asks the archive, never the site: name what was asked.
                archive = getattr(getattr(self._crawler.spider, "plan", None), "archive", None)
                target = f"the archive {archive.name}" if archive else self.settings.get("YONHAP_BASE_URL")
                logger.error("crawl failed: %s could not be reached (%s); nothing was fetched; failed checks %s; "
                             "report: %s", target, why, names, report.path)
            else:
                logger.error("crawl unhealthy: failed checks %s; report: %s", names, report.path)
            self.exitcode = UNHEALTHY
            return
        health = "healthy" if report is not None and report.checks else "health not checked"
        if self._crawler is not None and self._crawler.stats.get_value("newscrawl/incremental/held_elsewhere", 0):
            health += "; the articles another crawl holds are its to export (`newscrawl runs` shows it)"
        self._summary(exporter, health)

    def _summary(self, exporter, health: str) -> None:
        """The run's one summary line (the last line of a run that went well)."""
        if self._crawler is None:
            return
        feeds = dict(exporter.rows) if exporter is not None else {}
        for slot in getattr(exporter, "slots", []):
            feeds.setdefault(slot.uri, 0)
        logger.info("crawl finished: %s", summary_line(self._crawler.stats.get_stats(), feeds, health))

    def _create_crawler(self, spidercls):
        # Kept to read the run report's checks once the crawl is over.
        self._crawler = super()._create_crawler(spidercls)
        return self._crawler
