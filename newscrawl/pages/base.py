"""What every layout shares: identity, times, section and keywords come from meta tags
and the inline CONTENT_DATA script, which have been stable across Yonhap's redesigns."""
from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cached_property

from lxml import etree
from parsel import Selector
from parsel.selector import create_root_node

from newscrawl.ids import article_id_from_url, parse_article_id
from newscrawl.text.headline import split_headline
from newscrawl.text.times import as_kst, read_time
from newscrawl.text.story import normalize_line

_META_TIMES = ("article:published_time", "article:modified_time")
_CONTENT_DATA = re.compile(r"JSON\.stringify\((\{.*?\})\)\s*;", re.DOTALL)


def html_selector(body: bytes, encoding: str = "utf-8") -> Selector:
    """A page as parsel reads HTML bytes (NULs dropped, bytes the encoding cannot decode
    replaced), into lxml's plain elements: lxml.html's element classes are looked up by
    a call into Python for every element the page objects touch, which made walking a
    page cost a third of parsing it. Nothing here uses lxml.html's extra methods."""
    return Selector(root=create_root_node(text="", body=body, encoding=encoding, parser_cls=etree.HTMLParser),
                    type="html")


def element_lines(element, keep_blank: bool = False) -> str:
    """An element's text with <br> as a line break, other tags' text inline.

    Blank lines are dropped unless keep_blank (where <br/><br/> marks paragraphs).
    Walked with a stack, not recursion: a page may nest inline tags a thousand deep."""
    text = element.text or ""
    if not len(element) and "\n" not in text:  # most paragraphs: one line of text, nothing to walk
        return normalize_line(text)
    parts: list[str] = []
    # Each entry: a node to open (its text, then its children) or a tail to emit.
    stack: list[tuple[bool, object]] = [(True, element)]
    while stack:
        is_node, entry = stack.pop()
        if not is_node:
            parts.append(entry)
            continue
        if entry.text:
            parts.append(entry.text)
        for child in reversed(entry):
            if child.tail:
                stack.append((False, child.tail))
            if child.tag == "br":
                stack.append((False, "\n"))
            elif isinstance(child.tag, str) and child.tag not in ("script", "style"):
                stack.append((True, child))
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
    @staticmethod
    def _metas_in(element) -> dict[str, str]:
        """Every <meta property|name=... content=...> in `element`, first value of each key."""
        found: dict[str, str] = {}
        if element is not None:
            for meta in element.iter("meta"):
                key = meta.get("property") or meta.get("name")
                if key and key not in found:
                    found[key] = (meta.get("content") or "").strip()
        return found

    @cached_property
    def _head_metas(self) -> dict[str, str]:
        return self._metas_in(self.selector.root.find("head"))

    @cached_property
    def _metas(self) -> dict[str, str]:
        return self._metas_in(self.selector.root)

    def meta(self, key: str) -> str:
        """The first such meta's content in the document: the head's, which comes first,
        and only for a key the head lacks the whole page's (walked once, if ever)."""
        head = self._head_metas
        return head[key] if key in head else self._metas.get(key, "")

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
        text = normalize_line(" ".join(self.headline_texts()))
        if text:
            return text
        return self.meta("og:title") or str(self.content_data.get("TITLE") or "")

    def headline_texts(self) -> list[str]:
        """The text nodes of the layout's headline element(s), in order."""
        return self.selector.css(self.HEADLINE_CSS + " ::text").getall() if self.HEADLINE_CSS else []

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

    @cached_property
    def _meta_times(self) -> dict[str, tuple[str, str | None]]:
        """The meta tags' publish and modify times, each read once (newscrawl.text.times.read_time)."""
        return {key: read_time(self.meta(key)) for key in _META_TIMES}

    def published_at(self) -> str:
        published = self._meta_times["article:published_time"][0]
        if not published:
            stamp = str(self.content_data.get("DATETIME") or "")
            try:
                moment = as_kst(datetime.strptime(stamp, "%Y%m%d%H%M%S"))
            except ValueError:
                moment = None
            published = moment.isoformat() if moment else ""
        return published

    def modified_at(self) -> str:
        return self._meta_times["article:modified_time"][0] or self.published_at()

    def time_problems(self) -> list[str]:
        """Why the page's meta times were not taken, one entry a bad time
        ("implausible", "unparseable"); such a time counts as missing."""
        return [problem for _, problem in self._meta_times.values() if problem]

    def story_paragraphs(self) -> list[str]:
        """The story container's paragraphs as text (<br> kept as line breaks)."""
        raise NotImplementedError

    def photos(self) -> list[dict]:
        return []

    def related_ids(self) -> list[str]:
        return []
