"""A local stand-in for en.yna.co.kr, served over real HTTP on 127.0.0.1.

Built from a set of article pages: the pages themselves at /view/ID, the /news
listing with pagination, the all-news RSS feed, the Google News sitemap and a
robots.txt, each in the shape SITE.md describes. Links in them point at
en.yna.co.kr the way the live site's do (with ?section=/?input= tracking, on the
m-en host, protocol-relative); the crawler maps them to YONHAP_BASE_URL.
"""
from __future__ import annotations

import gzip
import html
import random
import re
import socket
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from parsel import Selector

from newscrawl.ids import parse_article_id
from newscrawl.pages import page_for
from newscrawl.text.dateline import KST
from newscrawl.text.headline import split_headline

LISTING_PAGE_SIZE = 4
_AP_MONTHS = ["Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]


@dataclass(frozen=True)
class MirrorArticle:
    article_id: str
    headline: str  # with its prefix, as listings print it
    published: datetime
    html: bytes


def load_articles(paths: Iterable[Path]) -> list[MirrorArticle]:
    """Read article pages; newest first, as the site lists them."""
    articles = []
    for path in paths:
        data = Path(path).read_bytes()
        page = page_for(Selector(body=data, type="html", encoding="utf-8"))
        raw = page.headline_raw()
        published = datetime.fromisoformat(page.published_at())
        articles.append(MirrorArticle(page.article_id(), raw, published, data))
    return sorted(articles, key=lambda a: (a.published, a.article_id), reverse=True)


# -- a large synthetic mirror (benchmarks) ------------------------------------------
_DATELINE_MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]
_BYLINES = ["Kang Yoon-seung", "Yoo Jee-ho", "Kim Soo-yeon", "Lee Minji", "Park Boram", "Choi Soo-hyang", "Oh Seok-min"]
_SECTIONS = ["National", "North Korea", "Economy", "Sports", "Culture", "Market", "Politics", "Life,Health"]
_PREFIXES = {1: "(LEAD) ", 2: "(2nd LD) "}
_H1 = re.compile(rb'(<h1 class="tit"[^>]*>)([^<]*)(</h1>)')
_BYLINE_P = re.compile(rb"<p>By [^<]{3,60}</p>")
_SECTION_META = re.compile(rb'(<meta property="article:section" content=")[^"]*(")')
_DATELINE_P = re.compile(rb"(<p>[^<]{0,120}\(Yonhap\) --.*?</p>)(\s*)(<p>.*?</p>)", re.S)


def _ap_day(day: datetime) -> str:
    return f"{_DATELINE_MONTHS[day.month - 1]} {day.day}"


def synthetic_articles(templates: list[MirrorArticle], count: int, seed: int = 1,
                       newest: datetime = datetime(2023, 4, 19, tzinfo=KST), per_day: int = 200) -> list[MirrorArticle]:
    """`count` article pages made from real ones: new ids (per_day stories a day going
    back from `newest`), dates, revisions with their headline tags, bylines, sections,
    and bodies lengthened by repeating a paragraph. Deterministic for a seed."""
    rng = random.Random(seed)
    made = []
    for number in range(count):
        template = templates[rng.randrange(len(templates))]
        template_id = parse_article_id(template.article_id)
        day = newest - timedelta(days=number // per_day)
        revision = template_id.revision or 0
        if revision == 0:
            revision = rng.choices([0, 1, 2], weights=[80, 15, 5])[0]
        version = 0 if revision == 0 else 50 + revision
        article_id = f"AEN{day:%Y%m%d}{number % per_day + 1:04d}{version:02d}{template_id.desk}"
        page = template.html.replace(template.article_id.encode(), article_id.encode())
        old_day = template.published.astimezone(KST)
        page = page.replace(f"{old_day:%Y-%m-%d}T".encode(), f"{day:%Y-%m-%d}T".encode())
        page = page.replace(f"{_ap_day(old_day)} (Yonhap)".encode(), f"{_ap_day(day)} (Yonhap)".encode())
        # CONTENT_DATA's compact times ("DATETIME":"20230419145602"); ids and photo
        # names, which have letters before their digits, are left alone.
        page = re.sub(rb"(?<![A-Za-z0-9])" + f"{old_day:%Y%m%d}".encode() + rb"(?=\d{6}(?!\d))",
                      f"{day:%Y%m%d}".encode(), page)
        bare = split_headline(html.unescape(template.headline)).headline
        headline = _PREFIXES.get(revision, "") + bare if revision != (template_id.revision or 0) else template.headline
        page = _H1.sub(lambda m: m.group(1) + html.escape(headline, quote=False).encode() + m.group(3), page, count=1)
        page = _BYLINE_P.sub(f"<p>By {rng.choice(_BYLINES)}</p>".encode(), page, count=1)
        page = _SECTION_META.sub(lambda m: m.group(1) + rng.choice(_SECTIONS).encode() + m.group(2), page, count=1)
        repeats = rng.choice([0, 0, 1, 2, 4, 8])
        if repeats:
            page = _DATELINE_P.sub(lambda m: m.group(1) + (m.group(2) + m.group(3)) * (repeats + 1), page, count=1)
        published = day.replace(hour=old_day.hour, minute=old_day.minute, second=old_day.second)
        made.append(MirrorArticle(article_id, headline, published, page))
    return sorted(made, key=lambda a: (a.published, a.article_id), reverse=True)


def _listing(articles: list[MirrorArticle], page: int, pages: int) -> bytes:
    items = []
    for article in articles:
        stamp = article.published.astimezone(KST)
        date_text = f"{stamp:%H:%M} {_AP_MONTHS[stamp.month - 1]} {stamp.day}"
        items.append(
            f'<li><article class="item-box01"><div class="news-con">'
            f'<h2 class="tit"><a href="//en.yna.co.kr/view/{article.article_id}?section=news">'
            f"{html.escape(article.headline)}</a></h2>"
            f'<span class="lead">{html.escape(article.headline)}</span>'
            f'<span class="date">{date_text}</span></div></article></li>'
        )
    current = ' class="on"'
    pager = "".join(f'<a href="/news/{n}"{current if n == page else ""}>{n}</a>' for n in range(1, pages + 1))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>All News | Yonhap News Agency</title>'
        '</head><body><div class="container"><div class="smain-list-type01"><div class="list-type038">'
        f'<ul class="list">{"".join(items)}</ul></div></div>'
        f'<div class="paging paging-type01">{pager}</div></div></body></html>'
    ).encode("utf-8")


def _rss(articles: list[MirrorArticle]) -> bytes:
    items = "".join(
        "<item>"
        f"<title>{html.escape(a.headline)}</title>"
        f"<link>https://en.yna.co.kr/view/{a.article_id}?section=news&amp;input=rss</link>"
        f"<description>{html.escape(a.headline)}</description>"
        f"<pubDate>{format_datetime(a.published)}</pubDate>"
        "</item>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Yonhap News Agency</title><link>https://en.yna.co.kr</link>"
        f"<description>All News</description>{items}</channel></rss>"
    ).encode("utf-8")


def _sitemap(articles: list[MirrorArticle]) -> bytes:
    urls = "".join(
        "<url>"
        # Alternate the hosts the live site is reached by, to exercise canonicalisation.
        f"<loc>https://{'m-en' if index % 2 else 'en'}.yna.co.kr/view/{a.article_id}</loc>"
        "<news:news><news:publication><news:name>Yonhap News Agency</news:name>"
        "<news:language>en</news:language></news:publication>"
        f"<news:publication_date>{a.published.isoformat()}</news:publication_date>"
        f"<news:title>{html.escape(a.headline)}</news:title></news:news>"
        "</url>"
        for index, a in enumerate(articles)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"{urls}</urlset>"
    ).encode("utf-8")


def build_site(articles: list[MirrorArticle], disallowed_ids: Iterable[str] = (),
               listing_page_size: int = LISTING_PAGE_SIZE, feed_limit: int | None = None) -> dict[str, tuple[str, bytes]]:
    """path -> (content type, body) for the whole mirror.

    `feed_limit`: the RSS feed and the news sitemap list only the newest this many
    articles, as the live ones do (the listing pages list them all).

    Articles in disallowed_ids are listed in the feeds like any other but robots.txt
    forbids their pages, so an obedient crawler never fetches them.
    """
    disallowed = list(disallowed_ids)
    site: dict[str, tuple[str, bytes]] = {}
    for article in articles:
        site[f"/view/{article.article_id}"] = ("text/html; charset=utf-8", article.html)
    size = listing_page_size
    chunks = [articles[i:i + size] for i in range(0, len(articles), size)] or [[]]
    for number, chunk in enumerate(chunks, start=1):
        listing = _listing(chunk, number, len(chunks))
        site["/news" if number == 1 else f"/news/{number}"] = ("text/html; charset=utf-8", listing)
    newest = articles[:feed_limit] if feed_limit is not None else articles
    site["/RSS/news.xml"] = ("application/rss+xml; charset=utf-8", _rss(newest))
    site["/news-sitemap.xml"] = ("application/xml; charset=utf-8", _sitemap(newest))
    robots = "User-agent: *\nDisallow: /search/\n" + "".join(f"Disallow: /view/{i}\n" for i in disallowed)
    site["/robots.txt"] = ("text/plain; charset=utf-8", robots.encode("utf-8"))
    return site


def _zstd(body: bytes) -> bytes:
    try:
        from compression import zstd
    except ImportError:
        from backports import zstd
    return zstd.compress(body)


def _brotli(body: bytes) -> bytes:
    import brotli

    return brotli.compress(body)


_COMPRESSORS = {"gzip": gzip.compress, "deflate": zlib.compress, "br": _brotli, "zstd": _zstd}


# -- faults ---------------------------------------------------------------------------
# Transient faults spoil the first `times` responses of a path, then it is served
# normally; permanent ones spoil every response. docs/reliability.md says what the
# crawler does with each.
TRANSIENT_FAULTS = ("http_500", "http_502", "http_503", "throttle_429", "slow", "reset", "truncated_html", "moved_once")
PERMANENT_FAULTS = ("not_found_404", "gone_410", "challenge", "empty_body", "offsite_redirect", "redirect_loop",
                    "oversize", "oversize_unannounced", "gzip_bomb", "bad_dates")
# The page can still be read right: its HTTP header says EUC-KR for a UTF-8 body, or
# only its meta tags' dates are malformed (CONTENT_DATA still has the time).
HARMLESS_FAULTS = ("euc_kr_declared", "bad_meta_dates")
FAULTS = TRANSIENT_FAULTS + PERMANENT_FAULTS + HARMLESS_FAULTS
CHALLENGE_PAGE = (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
                  b"<h1>Checking your browser before accessing en.yna.co.kr</h1><p>Enable JavaScript and cookies "
                  b"to continue.</p></body></html>")


@dataclass
class FaultPlan:
    """Which paths fault, and how; deterministic for a seed.

    `by_path` names a fault per path; `rate` of the other paths matching `prefixes`
    get one of `modes`, chosen with random.Random(seed). Transient faults spoil the
    first `times` responses. `retry_after` is the 429's Retry-After (seconds); `slow`
    responses wait `slow_seconds`; an `oversize` body is `oversize_bytes` long."""

    by_path: dict[str, str] = field(default_factory=dict)
    rate: float = 0.0
    seed: int = 1
    modes: tuple[str, ...] = FAULTS
    prefixes: tuple[str, ...] = ("/view/",)
    times: int = 1
    retry_after: int = 2
    slow_seconds: float = 3.0
    oversize_bytes: int = 9 * 1024 * 1024

    def assign(self, paths: Iterable[str]) -> dict[str, str]:
        """path -> fault for the given site paths."""
        unknown = set(self.by_path.values()) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown fault modes: {', '.join(sorted(unknown))}")
        rng = random.Random(self.seed)
        chosen = dict(self.by_path)
        for path in sorted(paths):
            if path not in chosen and path.startswith(self.prefixes) and rng.random() < self.rate:
                chosen[path] = rng.choice(self.modes)
        return chosen


class MirrorServer(ThreadingHTTPServer):
    """Serves a built site on 127.0.0.1; `requests` counts the paths asked for.

    `article_delay` (seconds) slows every /view/ page, to stand for a slow site.
    `faults` (a FaultPlan) makes chosen paths fail; `faulted` maps each faulted
    path to its mode, `early_retries` lists paths asked again before their 429's
    Retry-After had passed."""

    daemon_threads = True

    def __init__(self, site: dict[str, tuple[str, bytes]], port: int = 0, article_delay: float = 0.0,
                 faults: FaultPlan | None = None, codings: tuple[str, ...] = ()):
        self.site = site
        # Content codings to answer with, in turn, where the request accepts them
        # (the live site compresses; an archive must keep the body as it came).
        self.codings = codings
        self.article_delay = article_delay
        self.plan = faults or FaultPlan()
        self.faulted = self.plan.assign(site)
        self.requests: dict[str, int] = {}
        self.early_retries: list[str] = []
        self._throttled_at: dict[str, float] = {}
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> "MirrorServer":
        threading.Thread(target=self.serve_forever, name="mirror", daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request, client_address):
        # A crawler hanging up on an oversize or reset response is part of the test.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: MirrorServer
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = urlsplit(self.path).path
        with self.server._lock:
            attempt = self.server.requests[path] = self.server.requests.get(path, 0) + 1
        if self.server.article_delay and path.startswith("/view/"):
            time.sleep(self.server.article_delay)
        content_type, body = self.server.site.get(path, ("text/plain; charset=utf-8", b""))
        status = 200 if path in self.server.site else 404
        if status == 404:
            body = b"not found\n"
        fault = self.server.faulted.get(path)
        plan = self.server.plan
        if fault and (fault not in TRANSIENT_FAULTS or attempt <= plan.times) and self._fault(fault, path, body):
            return
        if fault == "throttle_429":
            with self.server._lock:
                asked = self.server._throttled_at.get(path)
            if asked is not None and time.monotonic() - asked < plan.retry_after:
                self.server.early_retries.append(path)
        coding = self._coding(path)
        if coding and status == 200:
            self._send(status, content_type, _COMPRESSORS[coding](body), {"Content-Encoding": coding, "Vary": "Accept-Encoding"})
            return
        self._send(status, content_type, body)

    def _coding(self, path: str) -> str | None:
        """The coding this path is sent with: the server's codings in turn by path, if accepted."""
        if not self.server.codings:
            return None
        accepted = {part.split(";")[0].strip() for part in (self.headers.get("Accept-Encoding") or "").split(",")}
        coding = self.server.codings[sum(path.encode()) % len(self.server.codings)]
        return coding if coding in accepted else None

    def _send(self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _fault(self, fault: str, path: str, body: bytes) -> bool:
        """Answer with the fault; False when the normal response should follow."""
        plan = self.server.plan
        html_type = "text/html; charset=utf-8"
        if fault.startswith("http_5"):
            self._send(int(fault[-3:]), "text/plain", b"server error\n")
        elif fault in ("not_found_404", "gone_410"):
            self._send(int(fault[-3:]), "text/plain", b"gone\n")
        elif fault == "throttle_429":
            with self.server._lock:
                self.server._throttled_at[path] = time.monotonic()
            self._send(429, "text/plain", b"slow down\n", {"Retry-After": str(plan.retry_after)})
        elif fault == "slow":
            time.sleep(plan.slow_seconds)
            self._send(200, html_type, body)
        elif fault == "reset":  # the headers promise the whole page; half comes, then the connection dies
            self.send_response(200)
            self.send_header("Content-Type", html_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
        elif fault == "truncated_html":  # a complete HTTP response of a page cut part-way through the story
            cut = body.find(b"(Yonhap) --")
            self._send(200, html_type, body[: (cut + 400) if cut > 0 else len(body) // 2])
        elif fault == "challenge":
            self._send(200, html_type, CHALLENGE_PAGE)
        elif fault == "empty_body":
            self._send(200, html_type, b"")
        elif fault == "offsite_redirect":
            self._send(302, "text/plain", b"", {"Location": f"http://offsite.example{path}"})
        elif fault == "moved_once":  # a redirect hop on the same site, then the page
            self._send(301, "text/plain", b"", {"Location": f"{path}?hop=1"})
        elif fault == "redirect_loop":
            self._send(302, "text/plain", b"", {"Location": f"{path}?loop={self.server.requests[path]}"})
        elif fault == "oversize":
            self._send_oversize(plan.oversize_bytes)
        elif fault == "oversize_unannounced":  # no Content-Length: the size shows only as it arrives
            self._send_oversize(plan.oversize_bytes, announced=False)
        elif fault == "gzip_bomb":  # a few KB on the wire, more than DOWNLOAD_MAXSIZE once decompressed
            self._send(200, html_type, gzip.compress(b" " * plan.oversize_bytes), {"Content-Encoding": "gzip"})
        elif fault in ("bad_dates", "bad_meta_dates"):
            broken = re.sub(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00", b"2023-13-45T99:99:99+09:00", body)
            if fault == "bad_dates":  # every source of the time, CONTENT_DATA's too
                broken = re.sub(rb'"DATETIME"\s*:\s*"\d{14}"', b'"DATETIME":"20231345999999"', broken)
            self._send(200, html_type, broken)
        elif fault == "euc_kr_declared":
            self._send(200, "text/html; charset=euc-kr", body)
        return True

    def _send_oversize(self, size: int, announced: bool = True) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if announced:
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True  # the body ends when the connection does
        self.end_headers()
        chunk = b"<p>" + b"x" * 65530 + b"</p>"
        try:
            for _ in range(size // len(chunk)):
                self.wfile.write(chunk)
        except OSError:  # the crawler hung up, as it should
            pass

    def log_message(self, format, *args):  # keep test and demo output clean
        pass


def serve_fast(site: dict[str, tuple[str, bytes]], listening: "socket.socket") -> None:
    """Serve `site` on an already bound socket with asyncio, until killed.

    For benchmarks: plain GET with keep-alive and nothing else (no request counting,
    no delays), several times faster than MirrorServer, so the mirror is not what a
    benchmark measures."""
    import asyncio

    responses = {
        path: f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
        for path, (content_type, body) in site.items()
    }
    missing = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nnot found\n"

    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                target = head.split(b" ", 2)[1].decode("latin-1")
                writer.write(responses.get(urlsplit(target).path, missing))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, sock=listening)
        async with server:
            await server.serve_forever()

    asyncio.run(main())
