"""`scrapy crawl` that checks spider arguments before the crawl starts.

A spider class may define `check_arguments(settings, **spider_args)` raising
ValueError; its message becomes a one-line usage error (exit status 2) instead of a
traceback from inside the engine. A state store that cannot be used (corrupt, from a
newer version, held by another crawl) stops the run here with one log line, exit 1.
A crawl whose health monitors failed exits with status 3 (UNHEALTHY).
"""
from __future__ import annotations

import logging

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newscrawl.incremental import StateStoreError, check_state_store
from newscrawl.report import RunReport

logger = logging.getLogger(__name__)
UNHEALTHY = 3  # the crawl ran, but a health check failed (docs/monitoring.md)


class Command(ScrapyCrawlCommand):
    _crawler = None

    def run(self, args, opts):
        if len(args) == 1:
            spidercls = self.crawler_process.spider_loader.load(args[0]) if args[0] in self.crawler_process.spider_loader.list() else None
            check = getattr(spidercls, "check_arguments", None)
            if check is not None:
                try:
                    check(self.settings, **opts.spargs)
                except ValueError as error:
                    raise UsageError(f"spider {args[0]}: {error}", print_help=False) from None
        try:
            check_state_store(self.settings)
        except StateStoreError as error:
            logger.critical("crawl not started: %s", error)
            self.exitcode = 1
            return
        super().run(args, opts)
        report = self._crawler.get_extension(RunReport) if self._crawler is not None else None
        if self.exitcode == 0 and report is not None and report.failed_checks:
            names = ", ".join(check["name"] for check in report.failed_checks)
            logger.error("crawl unhealthy: failed checks %s; report: %s", names, report.path)
            self.exitcode = UNHEALTHY

    def _create_crawler(self, spidercls):
        # Kept to read the run report's checks once the crawl is over.
        self._crawler = super()._create_crawler(spidercls)
        return self._crawler
