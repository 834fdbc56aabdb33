"""Extraction in worker processes during a crawl (NEWSCRAWL_EXTRACT_PROCESSES).

With N > 0, the spider hands each article page's body to one of N worker processes,
which parse it and extract the raw Article (`processing.read_page`, the lxml-bound
part) while the reactor keeps downloading; the item pipelines (story text, dateline,
validation, schema, dedup), the state store and the feeds stay in the crawl's
process. With 0 (the default: a polite crawl of the live site waits on the network,
not on the CPU; docs/performance.md) pages are read in the crawl's process.
"""
from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newscrawl.processing import Reading, read_page


class ExtractionWorkers:
    def __init__(self, processes: int):
        methods = multiprocessing.get_all_start_methods()
        # Not fork: the crawl's process runs a reactor and threads.
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        self.pool = ProcessPoolExecutor(max_workers=processes, mp_context=context)

    @classmethod
    def from_crawler(cls, crawler):
        processes = crawler.settings.getint("NEWSCRAWL_EXTRACT_PROCESSES", 0)
        if processes <= 0:
            raise NotConfigured  # pages are read in the crawl's process
        extension = cls(processes)
        crawler.signals.connect(extension.engine_stopped, signals.engine_stopped)
        return extension

    async def read(self, body: bytes, declared_encoding: str, url: str) -> Reading:
        """read_page in a worker process, awaited without blocking the reactor."""
        return await asyncio.wrap_future(self.pool.submit(read_page, body, declared_encoding, url))

    def engine_stopped(self):
        self.pool.shutdown(wait=True, cancel_futures=True)
