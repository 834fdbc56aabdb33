"""Page objects: one class per Yonhap page layout, one method per field.

`page_for(selector, url)` detects the layout; `LAYOUTS` lists them in the order tried.
"""
from newscrawl.pages.base import ArticlePage
from newscrawl.pages.layouts import LAYOUTS, Layout2019Page, Layout2023Page, MetaPage, page_for

__all__ = ["ArticlePage", "LAYOUTS", "Layout2019Page", "Layout2023Page", "MetaPage", "page_for"]
