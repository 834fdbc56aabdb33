"""The mirror's site: article pages at /view/ID, the /news listing with pagination, the
all-news RSS feed, the Google News sitemap and a robots.txt, each in the shape SITE.md
describes. Links in them point at en.yna.co.kr the way the live site's do (with
?section=/?input= tracking, on the m-en host, protocol-relative); the crawler maps
them to YONHAP_BASE_URL.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Iterable

from newscrawl.pages import html_selector, page_for
from newscrawl.text.dateline import KST

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
        page = page_for(html_selector(data))
        raw = page.headline_raw()
        published = datetime.fromisoformat(page.published_at())
        articles.append(MirrorArticle(page.article_id(), raw, published, data))
    return sorted(articles, key=lambda a: (a.published, a.article_id), reverse=True)


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
