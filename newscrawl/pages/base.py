"""What every layout shares: identity, times, section and keywords come from meta tags
and the inline CONTENT_DATA script, which have been stable across Yonhap's redesigns."""
from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cached_property

from dateutil.parser import isoparse
from parsel import Selector

from newscrawl.ids import article_id_from_url, parse_article_id
from newscrawl.text.dateline import KST
from newscrawl.text.headline import split_headline
from newscrawl.text.story import normalize_line

_CONTENT_DATA = re.compile(r"JSON\.stringify\((\{.*?\})\)\s*;", re.DOTALL)


def element_lines(element, keep_blank: bool = False) -> str:
    """An element's text with <br> as a line break, other tags' text inline.

    Blank lines are dropped unless keep_blank (where <br/><br/> marks paragraphs)."""
    parts: list[str] = []

    def walk(node):
        if node.text:
            parts.append(node.text)
        for child in node:
            if child.tag == "br":
                parts.append("\n")
            elif isinstance(child.tag, str) and child.tag not in ("script", "style"):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(element)
    lines = (normalize_line(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line or keep_blank)


def https_url(src: str) -> str:
    """Yonhap's protocol-relative //img.yna.co.kr/... and http:// URLs as https."""
    src = src.strip()
    if src.startswith("//"):
        return "https:" + src
    if src.startswith("http://"):
        return "https://" + src[len("http://"):]
    return src


def kst_iso(value: str | None) -> str:
    """An ISO 8601 time in KST (+09:00); naive times are KST; "" if unparseable."""
    if not value or not value.strip():
        return ""
    try:
        parsed = isoparse(value.strip())
    except (ValueError, OverflowError):
        return ""
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=KST)
    return parsed.astimezone(KST).isoformat()


class ArticlePage:
    """A Yonhap article page. Subclasses say where the layout keeps each field."""

    layout = ""
    HEADLINE_CSS = ""  # where the layout prints the headline (with its prefix)
    KEYWORDS_CSS = ""  # the keyword links' text ("#NK")

    def __init__(self, selector: Selector, url: str = ""):
        self.selector = selector
        self.url = url

    @classmethod
    def matches(cls, selector: Selector) -> bool:
        raise NotImplementedError

    # -- helpers -----------------------------------------------------------
    @cached_property
    def _metas(self) -> dict[str, str]:
        """Every <meta property|name=... content=...>, first value of each key (one pass)."""
        found: dict[str, str] = {}
        for element in self.selector.root.iter("meta"):
            key = element.get("property") or element.get("name")
            if key and key not in found:
                found[key] = (element.get("content") or "").strip()
        return found

    def meta(self, key: str) -> str:
        return self._metas.get(key, "")

    @cached_property
    def content_data(self) -> dict:
        """The inline CONTENT_DATA object (CID, TITLE, SECTION, KEYWORD, DATETIME)."""
        script = self.selector.xpath('//script[@id="contentJsonData"]/text()').get()
        match = _CONTENT_DATA.search(script or "")
        if not match:
            return {}
        try:
            data = json.loads(match.group(1))
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    @cached_property
    def _headline_parts(self):
        return split_headline(self.headline_raw())

    # -- fields --------------------------------------------------------------
    def article_id(self) -> str:
        candidates = (  # tried in order, each only if the ones before failed
            lambda: self.meta("yna:content_id"),
            lambda: self.selector.xpath('//input[@id="cid"]/@value').get(),
            lambda: self.content_data.get("CID"),
            lambda: article_id_from_url(self.selector.xpath('//link[@rel="canonical"]/@href').get() or ""),
            lambda: article_id_from_url(self.url),
        )
        for candidate in candidates:
            parsed = parse_article_id(candidate())
            if parsed:
                return parsed.value
        return ""

    def headline_raw(self) -> str:
        """The headline with its prefix; og:title (minus the site suffix) if the layout has none."""
        if self.HEADLINE_CSS:
            text = normalize_line(" ".join(self.selector.css(self.HEADLINE_CSS + " ::text").getall()))
            if text:
                return text
        return self.meta("og:title") or str(self.content_data.get("TITLE") or "")

    def headline(self) -> str:
        return self._headline_parts.headline

    def headline_prefix(self) -> str:
        return self._headline_parts.prefix

    def section(self) -> str:
        return self.meta("article:section") or str(self.content_data.get("SECTION_NAME") or "")

    def keywords(self) -> list[str]:
        found = self.keyword_texts()
        if not found and self.content_data.get("KEYWORD"):
            found = str(self.content_data["KEYWORD"]).split(";")
        keywords = []
        for keyword in found:
            keyword = normalize_line(keyword).lstrip("#").strip()
            if keyword and keyword not in keywords:
                keywords.append(keyword)
        return keywords

    def keyword_texts(self) -> list[str]:
        return self.selector.css(self.KEYWORDS_CSS).getall() if self.KEYWORDS_CSS else []

    def published_at(self) -> str:
        published = kst_iso(self.meta("article:published_time"))
        if not published:
            stamp = str(self.content_data.get("DATETIME") or "")
            try:
                published = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=KST).isoformat()
            except ValueError:
                published = ""
        return published

    def modified_at(self) -> str:
        return kst_iso(self.meta("article:modified_time")) or self.published_at()

    def story_paragraphs(self) -> list[str]:
        """The story container's paragraphs as text (<br> kept as line breaks)."""
        raise NotImplementedError

    def photos(self) -> list[dict]:
        return []

    def related_ids(self) -> list[str]:
        return []
