"""The layouts of en.yna.co.kr article pages, newest first (SITE.md, "Fields")."""
from __future__ import annotations

import re
from functools import cached_property

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from newscrawl.ids import article_id_from_url
from newscrawl.pages.base import ArticlePage, element_lines, https_url
from newscrawl.text.story import normalize_line


def _xpath(css: str) -> etree.XPath:
    """A CSS selector (::text and ::attr() included) compiled once, as parsel's own
    translator reads it: the same nodes as Selector.css(), without building a
    Selector for each."""
    return etree.XPath(HTMLTranslator().css_to_xpath(css), smart_strings=False)


def _first(found: list) -> str | None:
    return found[0] if found else None


_IMG_SRC = _xpath("img::attr(src)")
_IMG_ALT = _xpath("img::attr(alt)")
_CAPTION_TEXTS = _xpath("figcaption p.txt-desc ::text")


def _photos(figures) -> list[dict]:
    """Photos from <figure> elements: https URL and caption (alt text if none)."""
    photos = []
    for figure in figures:
        src = _first(_IMG_SRC(figure))
        if not src:
            continue
        caption = normalize_line(" ".join(_CAPTION_TEXTS(figure)))
        if not caption:
            caption = normalize_line(_first(_IMG_ALT(figure)) or "")
        photos.append({"url": https_url(src), "caption": caption})
    return photos


def _ids_from_links(hrefs) -> list[str]:
    ids = []
    for href in hrefs:
        article_id = article_id_from_url(href)
        if article_id and article_id not in ids:
            ids.append(article_id)
    return ids


# The 2023 layout's elements are found by walking the tree for their tag and checking
# classes, as its CSS selectors say, not by those selectors: cssselect turns each class
# test into string functions XPath evaluates on every element of the page, and a
# page's few such lookups took as long as a third of its parse.
_TEXTS = etree.XPath("descendant-or-self::text()")
_OWN_TEXTS = etree.XPath("text()")


def has_class(element, name: str) -> bool:
    """The element's class attribute holds `name` as a word (CSS's `.name`)."""
    return name in (element.get("class") or "").split()


def _story_2023(root):
    """The first `div.view-body > div.sub-content > article.story-news`, or None."""
    for article in root.iter("article"):
        parent = article.getparent()
        grand = parent.getparent() if parent is not None else None
        if (has_class(article, "story-news") and parent is not None and parent.tag == "div"
                and has_class(parent, "sub-content") and grand is not None and grand.tag == "div"
                and has_class(grand, "view-body")):
            return article
    return None


def _headlines_2023(root) -> list:
    """Every `header.title-article01 h1.tit`, in document order."""
    return [h1 for h1 in root.iter("h1") if has_class(h1, "tit")
            and any(a.tag == "header" and has_class(a, "title-article01") for a in h1.iterancestors())]


def _keyword_links_2023(root) -> list:
    """Every `div.keyword-zone01 .list a`, once each, in document order (a zone inside
    another is walked within the outer one, which comes first)."""
    links: dict = {}
    for zone in root.iter("div"):
        if "keyword-zone01" not in (zone.get("class") or "") or not has_class(zone, "keyword-zone01"):
            continue  # (the substring test first: it turns away most of a page's divs for less)
        for link in zone.iter("a"):
            ancestor = link.getparent()
            while ancestor is not None and ancestor is not zone:
                if has_class(ancestor, "list"):
                    links.setdefault(link, None)
                    break
                ancestor = ancestor.getparent()
    return list(links)


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
    FIGURES = _xpath("figure.image-zone")  # in the story
    RELATED_HREFS = _xpath("div.related-group ul#moreArticleNews li a::attr(href)")  # in the story

    @cached_property
    def story(self) -> Selector:
        return Selector(root=_story_2023(self.selector.root), type="html")

    @classmethod
    def matches(cls, selector: Selector) -> bool:
        root = selector.root
        return _story_2023(root) is not None and bool(_headlines_2023(root))

    def headline_texts(self) -> list[str]:
        return [text for h1 in _headlines_2023(self.selector.root) for text in _TEXTS(h1)]

    def keyword_texts(self) -> list[str]:
        return [text for link in _keyword_links_2023(self.selector.root) for text in _OWN_TEXTS(link)]

    def story_paragraphs(self) -> list[str]:
        return [element_lines(p) for p in self.story.root.iterchildren("p")]

    def photos(self) -> list[dict]:
        return _photos(self.FIGURES(self.story.root))

    def related_ids(self) -> list[str]:
        return _ids_from_links(self.RELATED_HREFS(self.story.root))


class Layout2019Page(ArticlePage):
    """The 2019-2022 layout (SITE.md: MEDIUM confidence): `div.article-story`, paragraphs
    under `div.comp-box.text-group div.inner`, as <p> elements or <br>-separated text."""

    layout = "2019"
    STORY = "div.article-story"
    HEADLINE_CSS = "h1.tit"
    KEYWORDS_CSS = "div.keyword-zone01 .list a::text, div.keyword-zone .list a::text"
    FIGURES = _xpath(STORY + " figure")
    RELATED_HREFS = _xpath(STORY + " ul#moreArticleNews li a::attr(href)")

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
        return _photos(self.FIGURES(self.selector.root))

    def related_ids(self) -> list[str]:
        return _ids_from_links(self.RELATED_HREFS(self.selector.root))


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
