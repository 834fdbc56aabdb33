"""The engine's ceiling: a spider that fetches the same pages and extracts nothing.

Run by benchmarks/crawl.py with `scrapy runspider`, outside the project (Scrapy's
default settings plus the same concurrency), over the same URL file as the newscrawl
run it is compared with.
"""
import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"

    async def start(self):
        with open(self.urls_file, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield scrapy.Request(line.strip(), callback=self.parse)

    def parse(self, response):
        self.crawler.stats.inc_value("bare/pages")
