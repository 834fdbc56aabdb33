"""The layouts of en.yna.co.kr article pages, newest first (SITE.md, "Fields")."""
from __future__ import annotations

import re
from functools import cached_property

from parsel import Selector

from newscrawl.ids import article_id_from_url
from newscrawl.pages.base import ArticlePage, element_lines, https_url
from newscrawl.text.story import normalize_line


def _photos(figures) -> list[dict]:
    """Photos from <figure> elements: https URL and caption (alt text if none)."""
    photos = []
    for figure in figures:
        src = figure.css("img::attr(src)").get()
        if not src:
            continue
        caption = normalize_line(" ".join(figure.css("figcaption p.txt-desc ::text").getall()))
        if not caption:
            caption = normalize_line(figure.css("img::attr(alt)").get() or "")
        photos.append({"url": https_url(src), "caption": caption})
    return photos


def _ids_from_links(hrefs) -> list[str]:
    ids = []
    for href in hrefs:
        article_id = article_id_from_url(href)
        if article_id and article_id not in ids:
            ids.append(article_id)
    return ids


class Layout2023Page(ArticlePage):
    """The layout in use since 2023 (checked on every real page in the fixtures).

    The story is `div.view-body > div.sub-content > article.story-news`; only its direct
    <p> children are story text: photos, the YouTube embed and the Related Articles
    block sit in the same container as <div>s.
    """

    layout = "2023"
    STORY = "div.view-body > div.sub-content > article.story-news"
    # Only the article header's h1: h2.tit elements are prev/next teasers.
    HEADLINE_CSS = "header.title-article01 h1.tit"
    KEYWORDS_CSS = "div.keyword-zone01 .list a::text"

    @cached_property
    def story(self) -> Selector:
        return self.selector.css(self.STORY)[0]

    @classmethod
    def matches(cls, selector: Selector) -> bool:
        return bool(selector.css(cls.STORY)) and bool(selector.css(cls.HEADLINE_CSS))

    def story_paragraphs(self) -> list[str]:
        return [element_lines(p) for p in self.story.root.iterchildren("p")]

    def photos(self) -> list[dict]:
        return _photos(self.story.css("figure.image-zone"))

    def related_ids(self) -> list[str]:
        return _ids_from_links(self.story.css("div.related-group ul#moreArticleNews li a::attr(href)").getall())


class Layout2019Page(ArticlePage):
    """The 2019-2022 layout (SITE.md: MEDIUM confidence): `div.article-story`, paragraphs
    under `div.comp-box.text-group div.inner`, as <p> elements or <br>-separated text."""

    layout = "2019"
    STORY = "div.article-story"
    HEADLINE_CSS = "h1.tit"
    KEYWORDS_CSS = "div.keyword-zone01 .list a::text, div.keyword-zone .list a::text"

    @classmethod
    def matches(cls, selector: Selector) -> bool:
        return bool(selector.css(cls.STORY + " div.comp-box.text-group div.inner"))

    def story_paragraphs(self) -> list[str]:
        paragraphs = []
        for inner in self.selector.css(self.STORY + " div.comp-box.text-group div.inner"):
            blocks = inner.xpath("./p")
            if blocks:
                paragraphs.extend(element_lines(p.root) for p in blocks)
            else:
                # <br/><br/> separates paragraphs in text without <p>.
                text = element_lines(inner.root, keep_blank=True)
                paragraphs.extend(block.strip() for block in re.split(r"\n\s*\n", text) if block.strip())
        return paragraphs

    def photos(self) -> list[dict]:
        return _photos(self.selector.css(self.STORY + " figure"))

    def related_ids(self) -> list[str]:
        return _ids_from_links(self.selector.css(self.STORY + " ul#moreArticleNews li a::attr(href)").getall())


class MetaPage(ArticlePage):
    """Fallback for a page in no known layout: meta tags, CONTENT_DATA, and as body the
    direct <p> children of the element that holds the most paragraph text. The
    pipelines strip what that broad body drags along."""

    layout = "meta"
    _SKIP = {"header", "footer", "nav", "aside", "script", "style"}

    @classmethod
    def matches(cls, selector: Selector) -> bool:
        return True

    def story_paragraphs(self) -> list[str]:
        best, best_length = None, 0
        for container in self.selector.xpath("//*[p]"):
            if container.root.tag in self._SKIP or any(a.tag in self._SKIP for a in container.root.iterancestors()):
                continue
            texts = [element_lines(p.root) for p in container.xpath("./p")]
            length = sum(len(t) for t in texts)
            if length > best_length:
                best, best_length = texts, length
        return [t for t in best or [] if t]


LAYOUTS: tuple[type[ArticlePage], ...] = (Layout2023Page, Layout2019Page, MetaPage)


def page_for(selector: Selector, url: str = "") -> ArticlePage:
    """The page object of the first layout that matches (MetaPage always does)."""
    for layout in LAYOUTS:
        if layout.matches(selector):
            return layout(selector, url)
    raise AssertionError("MetaPage matches every page")
