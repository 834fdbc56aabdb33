"""The crawl's web archive: every downloaded response, as it came, into WARC files.

Settings: NEWSCRAWL_WARC_ENABLED (default True), NEWSCRAWL_WARC_DIR (default
<NEWSCRAWL_DATA_DIR>/warc), NEWSCRAWL_WARC_MAX_SIZE (bytes a file, then the next),
NEWSCRAWL_WARC_PREFIX (file names), NEWSCRAWL_WARC_GZIP_LEVEL (0-3 ISA-L, 4-9 zlib; default 2).
Stats under newscrawl/warc/.

Written on `response_downloaded`, where the body is still content-encoded as it came
over the wire and every redirect hop and retry passes: articles, feeds, sitemaps,
listings, robots.txt. Scrapy keeps no raw status line, so the record's is
`HTTP/1.1 <code> <reason>`; Transfer-Encoding is dropped (the body is de-chunked).
The response record's location goes into the request's meta (`newscrawl_warc`), so
the state store can say where each exported version's page is archived.
"""
from __future__ import annotations

import logging
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

import newscrawl
from newscrawl.components.replay import CAPTURE_KEY, capture_replayed
from newscrawl.warc.writer import DEFAULT_GZIP_LEVEL, ArchiveUnwritable, ArchiveWriter, seal_open_files

logger = logging.getLogger(__name__)

META_KEY = "newscrawl_warc"
# Request meta when the response could not be archived: why ("the disk was full").
UNARCHIVED_KEY = "newscrawl_warc_unarchived"
# Sent with path=<the WARC file's final name> before anything is written to a new file
# (the state store records each run's files: rows taken in after a crash keep their
# archive location).
warc_file_opened = object()


def _header_pairs(headers) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, values in headers.items() for value in values]


class WarcArchive:
    def __init__(self, crawler, directory: Path, prefix: str, max_size: int, gzip_level: int = DEFAULT_GZIP_LEVEL):
        self.crawler = crawler
        self.stats = crawler.stats
        self.directory = directory
        settings = crawler.settings
        self.writer = ArchiveWriter(directory, prefix, max_size, gzip_level=gzip_level, on_open=self._opened, info={
            "software": f"newscrawl/{newscrawl.__version__} (Scrapy, warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT"),
            "description": f"newscrawl crawl of {settings.get('YONHAP_BASE_URL')}",
        })

    def _opened(self, path: str) -> None:
        self.crawler.signals.send_catch_log(warc_file_opened, path=path)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("NEWSCRAWL_WARC_ENABLED", True):
            raise NotConfigured  # switched off on purpose
        directory = Path(settings.get("NEWSCRAWL_WARC_DIR") or Path(settings.get("NEWSCRAWL_DATA_DIR", "data"), "warc"))
        extension = cls(crawler, directory.absolute(), settings.get("NEWSCRAWL_WARC_PREFIX", "newscrawl"),
                        settings.getint("NEWSCRAWL_WARC_MAX_SIZE", 1024 ** 3),
                        settings.getint("NEWSCRAWL_WARC_GZIP_LEVEL", DEFAULT_GZIP_LEVEL))
        # Sealed now, before the state store's extension (built after this one) takes in
        # a dead run's rows and looks for their pages in its files.
        extension.seal_left_open()
        crawler.signals.connect(extension.response_downloaded, signals.response_downloaded)
        crawler.signals.connect(extension.capture_replayed, capture_replayed)
        crawler.signals.connect(extension.spider_closed, signals.spider_closed)
        return extension

    def seal_left_open(self) -> None:
        # Each sealed file is logged by the writer (newscrawl.warc.writer.seal_open_file).
        if sealed := seal_open_files(self.directory):
            self.stats.inc_value("newscrawl/warc/sealed_files", len(sealed))

    def response_downloaded(self, response, request, spider):
        if CAPTURE_KEY in request.meta:
            return  # the archive's answer: the page inside it is written on capture_replayed
        self._keep(request, 2, lambda: self.writer.write_exchange(
            response.url, request.method, _header_pairs(request.headers), response.status,
            _header_pairs(response.headers), response.body,
            str(response.ip_address) if response.ip_address else None))

    def capture_replayed(self, request, response, capture, source, source_uri, original_url):
        """A page another archive captured: under its original URI, dated when captured."""
        self._keep(request, 1, lambda: self.writer.write_capture(
            original_url, response.status, _header_pairs(response.headers), response.body,
            capture.captured_at.replace("+00:00", "Z"), source_uri, source.name))
        self.stats.inc_value("newscrawl/warc/archive_captures")

    def _keep(self, request, records: int, write) -> None:
        try:
            location = write()
        except ArchiveUnwritable as error:
            # The archive is a record, not the product: the crawl goes on without it, and
            # says of each page it could not keep why (`newscrawl page`).
            # Said once (the health check `archive` fails at the end), not once a page.
            if not self.stats.get_value("newscrawl/warc/write_errors"):
                logger.warning("WARC archive %s cannot be written: %s; the crawl goes on without it (pages not "
                               "archived: stat newscrawl/warc/unarchived)", self.directory, error)
            self.stats.inc_value("newscrawl/warc/write_errors")
            self.stats.inc_value("newscrawl/warc/unarchived")
            request.meta[UNARCHIVED_KEY] = str(error)
            return
        request.meta[META_KEY] = location
        self.stats.inc_value("newscrawl/warc/records", records)
        self.stats.inc_value("newscrawl/warc/responses")

    def spider_closed(self, spider):
        self.writer.close()
        for path in self.writer.files_written:
            logger.info("WARC file: %s", path)
        self.stats.set_value("newscrawl/warc/files", len(self.writer.files_written))
