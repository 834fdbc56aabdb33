"""`scrapy crawl` that checks spider arguments before the crawl starts.

A spider class may define `check_arguments(settings, **spider_args)` raising
ValueError; its message becomes a one-line usage error (exit status 2) instead of a
traceback from inside the engine. A state store that cannot be used (corrupt, from a
newer version, held by another crawl) stops the run here with one log line, exit 1.
"""
from __future__ import annotations

import logging

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newscrawl.incremental import StateStoreError, check_state_store

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
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
