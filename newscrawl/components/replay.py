"""Pages from web archives, given to the spider as the site served them.

An archive crawl (`-a archive=...`, newscrawl.spiders.archive) fetches a capture from
the archive: a raw replay (`/<timestamp>id_/<url>`: the original bytes, the original
headers as the archive keeps them) or, from Common Crawl, a byte range of a WARC file
holding one gzip member. This downloader middleware, last on the way back, turns the
archive's answer into the original page: its URL, status, headers and body. The spider,
page objects, pipelines and feeds then see what a live crawl sees, and the crawl's WARC
archive keeps the page under its original URI, dated when it was captured, naming the
archive (newscrawl.components.archive writes it on `capture_replayed`).

A Common Crawl range that is not one whole gzip member, a record that is no HTTP
response, or one whose URL is another host's or another article's is refused: one
WARNING, stat newscrawl/archive/bad_record/<why>, and the spider tries the article's
next capture (IgnoreRequest reaches its errback).
"""
from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Headers

from newscrawl.archives.cdx import Capture
from newscrawl.ids import archived_article_id, article_id_from_url, canonical_url
from newscrawl.warc.decode import content_encodings, decode_body
from newscrawl.warc.reader import MAX_CAPTURE_BYTES, capture_of_bytes, one_gzip_member

logger = logging.getLogger(__name__)

# Request meta of a capture request: {"capture": Capture, "source": ArchiveSource, ...}
CAPTURE_KEY = "newscrawl_capture"
# Sent with request, response (the original page), capture, source, source_uri and
# original_url (the URI it was captured at).
capture_replayed = object()
# An archive's own headers, not the page's (the original's come as X-Archive-Orig-*).
_ARCHIVE_ORIGINAL_PREFIX = "x-archive-orig-"
_NOT_THE_PAGES = {"content-encoding", "content-length", "transfer-encoding"}


def original_headers(pairs: list[tuple[str, str]], archive_base: str) -> list[tuple[str, str]]:
    """The page's own headers from an archive's answer: the X-Archive-Orig-* ones when
    the archive prefixes them (the Wayback Machine), else the answer's own without those
    the archive adds (pywb: Memento-Datetime, and Link and Content-Location pointing into
    the archive). The body is decoded here, so its encoding and length headers go."""
    prefixed = [(name[len(_ARCHIVE_ORIGINAL_PREFIX):], value) for name, value in pairs
                if name.lower().startswith(_ARCHIVE_ORIGINAL_PREFIX)]
    if prefixed:
        chosen = prefixed
    else:
        chosen = [(name, value) for name, value in pairs if name.lower() != "memento-datetime"
                  and not (name.lower() in ("link", "content-location") and archive_base in value)]
    return [(name, value) for name, value in chosen if name.lower() not in _NOT_THE_PAGES]


class ArchiveReplayMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _refuse(self, why: str, request, detail: str):
        self.stats.inc_value(f"newscrawl/archive/bad_record/{why}")
        logger.warning("archive record refused (%s): %s %s", detail, request.url, request.headers.get("Range", b"").decode())
        raise IgnoreRequest(f"archive record refused: {detail}")

    def process_response(self, request, response):
        info = request.meta.get(CAPTURE_KEY)
        if info is None:
            return response
        capture: Capture = info["capture"]
        if info["source"].kind == "commoncrawl":
            return self._from_range(request, response, info, capture)
        if response.status != capture.status:
            # The archive no longer serves that capture as indexed (gone, or an error
            # of its own): the spider's errback tries the next capture.
            return response
        pairs = [(name.decode("latin-1"), value.decode("latin-1"))
                 for name, values in response.headers.items() for value in values]
        return self._page(request, info, capture, capture.url, capture.status,
                          original_headers(pairs, info["source"].replay_url), response.body, response.url)

    def _from_range(self, request, response, info, capture: Capture):
        if response.status not in (200, 206):
            return response  # retried or failed as any other answer
        body = response.body
        if response.status == 200 and len(body) != capture.length:
            self._refuse("no_range", request, "the data server ignored the byte range")
        limit = self.max_size + 64 * 1024 if self.max_size else MAX_CAPTURE_BYTES
        if why := one_gzip_member(body, limit):
            self._refuse("not_one_gzip_member", request, why)
        try:
            record = capture_of_bytes(body, response.url, capture.offset or 0, capture.length,
                                      max_block=limit)
        except ValueError as error:
            self._refuse("damaged", request, str(error))
        if archived_article_id(record.url) != capture.article_id:
            self._refuse("other_page", request, f"the record is of {record.url[:120]}, not {capture.url[:120]}")
        try:
            decoded = decode_body(record.body, content_encodings(record.header("Content-Encoding")), self.max_size)
        except ValueError as error:
            self._refuse("undecodable", request, str(error))
        headers = [(name, value) for name, value in record.headers if name.lower() not in _NOT_THE_PAGES]
        source_uri = f"{response.url}#{request.headers.get('Range', b'').decode()}"
        return self._page(request, info, capture, record.url, record.status, headers, decoded, source_uri)

    def _page(self, request, info, capture: Capture, url: str, status: int, headers, body: bytes, source_uri: str):
        # A page of the old host is read at its canonical /view/ URL (the page objects know
        # that form); our archive keeps it under the URI it was captured at.
        read_at = url if article_id_from_url(url) else canonical_url(capture.article_id)
        page = HtmlResponse(url=read_at, status=status, headers=Headers(headers), body=body, request=request,
                            flags=["archive"])
        self.stats.inc_value(f"newscrawl/archive/captures/{status}")
        self.crawler.signals.send_catch_log(capture_replayed, request=request, response=page, capture=capture,
                                            source=info["source"], source_uri=source_uri, original_url=url)
        return page
