"""The public web archives a crawl can read the site's past from, and the URLs of their
indexes and captures (no Scrapy import).

`-a archive=SOURCE`:
  wayback                       the Internet Archive's CDX server and raw replay
  commoncrawl[:CRAWL,CRAWL...]  Common Crawl's index server (one index per crawl; all
                                crawls its collinfo.json lists when none is named) and
                                its data server (records by HTTP Range)
  http(s)://host/collection     a pywb collection: CDX at <url>/cdx, raw replay at
                                <url>/<timestamp>id_/<original>
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from newscrawl.archives.cdx import Capture

WAYBACK = "https://web.archive.org"
# One index per crawl ({crawl}: CC-MAIN-2024-10), and the list of crawls.
COMMONCRAWL_INDEX = "https://index.commoncrawl.org/{crawl}-index"
COMMONCRAWL_COLLECTIONS = "https://index.commoncrawl.org/collinfo.json"
COMMONCRAWL_DATA = "https://data.commoncrawl.org"
# The hosts an article id is looked for under (SITE.md: m-en maps to en).
ARCHIVED_HOSTS = ("en.yna.co.kr", "m-en.yna.co.kr")
WAYBACK_FIELDS = "urlkey,timestamp,original,mimetype,statuscode,digest,length"
WAYBACK_PAGE_LINES = 5000  # lines per Wayback answer (then its resume key)
_CRAWL = re.compile(r"[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ArchiveSource:
    kind: str  # "wayback", "commoncrawl" or "pywb"
    name: str  # what a row's fetched_from says: "wayback", "commoncrawl" or the collection URL
    index_url: str  # wayback: its CDX endpoint; pywb: <collection>/cdx; commoncrawl: a crawl's, {crawl} in it
    replay_url: str  # wayback: .../web; pywb: the collection; commoncrawl: the data server
    crawls: tuple[str, ...] = ()  # commoncrawl: the crawls named (empty: every crawl listed)
    collections_url: str = ""  # commoncrawl: its list of crawls

    @property
    def hosts(self) -> list[str]:
        """The hosts this source's requests go to (index and captures)."""
        return sorted({urlsplit(url).hostname for url in (self.index_url, self.replay_url) if urlsplit(url).hostname})

    # -- index queries ------------------------------------------------------------
    def prefix_query(self, prefix: str, resume_key: str | None = None, crawl: str | None = None,
                     page: int | None = None, count_pages: bool = False) -> str:
        """The index query for captures whose URL starts with `prefix` (host/path)."""
        if self.kind == "wayback":
            query = {"url": prefix, "matchType": "prefix", "output": "json", "fl": WAYBACK_FIELDS,
                     "showResumeKey": "true", "limit": str(WAYBACK_PAGE_LINES)}
            if resume_key:
                query["resumeKey"] = resume_key
            return f"{self.index_url}?{urlencode(query)}"
        query = {"url": prefix, "matchType": "prefix", "output": "json"}
        if count_pages:
            query["showNumPages"] = "true"
        elif page is not None:
            query["page"] = str(page)
        return f"{self.crawl_index(crawl)}?{urlencode(query)}"

    def exact_query(self, url: str, crawl: str | None = None) -> str:
        """The index query for the captures of one URL (a redirect's target)."""
        if self.kind == "wayback":
            return f"{self.index_url}?{urlencode({'url': url, 'output': 'json', 'fl': WAYBACK_FIELDS})}"
        return f"{self.crawl_index(crawl)}?{urlencode({'url': url, 'output': 'json'})}"

    def crawl_index(self, crawl: str | None) -> str:
        return self.index_url.replace("{crawl}", crawl or "") if self.kind == "commoncrawl" else self.index_url

    # -- captures -----------------------------------------------------------------
    def capture_url(self, capture: Capture) -> str:
        """Where a capture's original bytes are: raw replay, or the WARC file of a
        Common Crawl record (fetched with a Range header: capture_range)."""
        if self.kind == "commoncrawl":
            return f"{self.replay_url}/{quote(capture.filename.lstrip('/'))}"
        return f"{self.replay_url}/{capture.timestamp}id_/{capture.url}"

    @staticmethod
    def capture_range(capture: Capture) -> str:
        return f"bytes={capture.offset}-{capture.offset + capture.length - 1}"


def parse_archive(value: str, wayback: str = WAYBACK, commoncrawl_index: str = COMMONCRAWL_INDEX,
                  commoncrawl_data: str = COMMONCRAWL_DATA,
                  commoncrawl_collections: str = COMMONCRAWL_COLLECTIONS) -> ArchiveSource:
    # The order of the endpoints is the settings': NEWSCRAWL_WAYBACK_URL, _COMMONCRAWL_INDEX_URL,
    # _COMMONCRAWL_DATA_URL, _COMMONCRAWL_COLLECTIONS_URL.
    """The archive an `archive=` argument names; ValueError says what is wrong. The
    endpoints of wayback and commoncrawl are settings (a test points them elsewhere)."""
    text = (value or "").strip()
    if text == "wayback":
        base = wayback.rstrip("/")
        return ArchiveSource("wayback", "wayback", f"{base}/cdx/search/cdx", f"{base}/web")
    if text == "commoncrawl" or text.startswith("commoncrawl:"):
        crawls = tuple(part.strip() for part in text.partition(":")[2].split(",") if part.strip())
        if bad := [crawl for crawl in crawls if not _CRAWL.fullmatch(crawl)]:
            raise ValueError(f"archive=commoncrawl:... takes crawl ids such as CC-MAIN-2024-10; got {bad[0]!r}")
        if "{crawl}" not in commoncrawl_index:
            raise ValueError(f"NEWSCRAWL_COMMONCRAWL_INDEX_URL must hold {{crawl}}, got {commoncrawl_index!r}")
        return ArchiveSource("commoncrawl", "commoncrawl", commoncrawl_index.rstrip("/"),
                             commoncrawl_data.rstrip("/"), crawls, commoncrawl_collections)
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError as error:
        raise ValueError(f"archive {value!r} is no URL ({error})") from None
    if parts.scheme in ("http", "https") and parts.hostname and not parts.query and not parts.fragment:
        base = text.rstrip("/")
        return ArchiveSource("pywb", base, f"{base}/cdx", base)
    raise ValueError(f"archive takes wayback, commoncrawl, commoncrawl:CRAWL,... or a pywb collection URL such as "
                     f"http://127.0.0.1:8080/yna; got {value!r}")
