"""Yonhap article ids and URLs (no Scrapy import).

Id shape (SITE.md): "AEN" + YYYYMMDD (KST) + 4-digit serial + 2-digit version +
3-digit desk code. Version 00 is the original (or an (URGENT) flash), 51 (LEAD),
52 (2nd LD), 5N (Nth LD). The story key is the first 15 characters.
"""
from __future__ import annotations

import re
from datetime import date
from dataclasses import dataclass
from urllib.parse import urlsplit

LIVE_BASE_URL = "https://en.yna.co.kr"
# Hosts that serve the English edition; article URLs on them map to the base URL.
YONHAP_HOSTS = frozenset({"en.yna.co.kr", "m-en.yna.co.kr"})
# The English edition's host before en.yna.co.kr (LOW: today's pages still name it in their
# ad paths). Its article URLs were not /view/AEN...; the id ends the path, before .html.
LEGACY_HOSTS = frozenset({"english.yonhapnews.co.kr"})
_LEGACY_PATH = re.compile(r"(?P<id>AEN\d{17})\.html?$")
ARTICLE_ID = re.compile(r"AEN(?P<date>\d{8})(?P<serial>\d{4})(?P<version>\d{2})(?P<desk>\d{3})")
_VIEW_PATH = re.compile(r"/view/(?P<id>AEN\d{17})(?:$|[/?#])")


@dataclass(frozen=True)
class ArticleId:
    value: str
    story_id: str  # first 15 characters: AEN + date + serial
    version: int  # the two version digits as a number (0, 51, 52, ...)
    desk: str

    @property
    def day(self) -> date | None:
        """The KST day in the id's digits (AEN20230419...: 2023-04-19), None if no date."""
        try:
            return date(int(self.value[3:7]), int(self.value[7:9]), int(self.value[9:11]))
        except ValueError:
            return None

    @property
    def revision(self) -> int | None:
        """0 for version 00, N for 50+N; None for a version outside that scheme."""
        if self.version == 0:
            return 0
        if 51 <= self.version <= 99:
            return self.version - 50
        return None


def parse_article_id(value: str | None) -> ArticleId | None:
    """The parsed id when `value` is exactly an English article id, else None."""
    if not value or not isinstance(value, str):
        return None
    match = ARTICLE_ID.fullmatch(value.strip())
    if not match:
        return None
    text = match.group(0)
    return ArticleId(value=text, story_id=text[:15], version=int(match.group("version")), desk=match.group("desk"))


def article_id_from_url(url: str) -> str | None:
    """The article id in a /view/AEN... URL (any host, any query), else None."""
    match = _VIEW_PATH.search(urlsplit(url).path + "/")
    return match.group("id") if match else None


def archived_article_id(url: str) -> str | None:
    """The article id of an archived article page's URL: a /view/AEN... URL on Yonhap's
    English hosts, or an old english.yonhapnews.co.kr URL ending in AEN....html; None for
    any other host's page or path."""
    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        host = (parts.hostname or "").lower()
    except ValueError:  # "https://[en.yna.co.kr/...": no URL at all
        return None
    if host in YONHAP_HOSTS:
        found = article_id_from_url(url)
    elif host in LEGACY_HOSTS:
        match = _LEGACY_PATH.search(parts.path)
        found = match.group("id") if match else None
    else:
        return None
    return found if parse_article_id(found) else None


def canonical_url(article_id: str) -> str:
    """The article's canonical address on the live site."""
    return f"{LIVE_BASE_URL}/view/{article_id}"


def on_site(url: str, base_url: str) -> bool:
    """True for a URL on Yonhap's English hosts or the base URL's host (relative too)."""
    base_host = urlsplit(base_url).hostname
    host = urlsplit(url).hostname or base_host  # a relative /view/ID is on the base host
    return host in YONHAP_HOSTS or host == base_host


def fetch_url(url: str, base_url: str) -> str | None:
    """Where to fetch an article link from, or None if it is no article link.

    Yonhap links come as https://en.yna.co.kr/view/ID?section=..., //en.yna.co.kr/...,
    m-en.yna.co.kr or relative /view/ID. All of them, and links on the base URL's own
    host, become `{base_url}/view/ID` (so tracking variants are fetched once and a
    mirror can stand in for the site). Links to other hosts give None.
    """
    article_id = article_id_from_url(url)
    if not article_id:
        return None
    if not on_site(url, base_url):
        return None
    return f"{base_url.rstrip('/')}/view/{article_id}"


def explicit_url(url: str, base_url: str) -> str | None:
    """An explicitly given article URL, canonicalised but kept on its own host.

    Used for the spider's `urls`/`urls_file`: any host is allowed (a mirror, an
    archive), Yonhap's own hosts go to the base URL, the query is dropped.
    """
    article_id = article_id_from_url(url)
    if not article_id:
        return None
    if url.startswith("//"):
        url = "https:" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.hostname in YONHAP_HOSTS:
        return f"{base_url.rstrip('/')}/view/{article_id}"
    return f"{parts.scheme}://{parts.netloc}/view/{article_id}"
