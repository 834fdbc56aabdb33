"""Page objects: one class per Yonhap page layout, one method per field.

`page_for(html_selector(body, encoding), url)` detects the layout; `LAYOUTS` lists them in the order tried.
"""
from newscrawl.pages.base import ArticlePage, html_selector
from newscrawl.pages.layouts import LAYOUTS, Layout2019Page, Layout2023Page, MetaPage, page_for

__all__ = ["ArticlePage", "html_selector", "LAYOUTS", "Layout2019Page", "Layout2023Page", "MetaPage", "page_for"]
