"""The engine's ceiling: a spider that fetches the same pages and extracts nothing.

Run by benchmarks/crawl.py with `scrapy runspider`, outside the project (Scrapy's
default settings plus the same concurrency), over the same URL file as the newscrawl
run it is compared with.
"""
import scrapy
from parsel import Selector


class BareSpider(scrapy.Spider):
    """`-a parse_html=1`: also parse each page with lxml (as newscrawl does) and read
    its title: the floor for any lxml-based extraction."""

    name = "bare"
    parse_html = ""

    async def start(self):
        with open(self.urls_file, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield scrapy.Request(line.strip(), callback=self.parse)

    def parse(self, response):
        if self.parse_html:
            Selector(body=response.body, encoding=response.encoding, type="html").xpath("//title/text()").get()
        self.crawler.stats.inc_value("bare/pages")
