"""Pure text rules for Yonhap English stories (no Scrapy import).

Shared by the crawl's pipelines and the `newscrawl clean` text-dump cleaner.
"""
from newscrawl.text.dateline import Dateline, parse_dateline, resolve_year
from newscrawl.text.headline import HeadlineParts, revision_from_prefix, split_headline
from newscrawl.text.story import Story, parse_story, split_paragraphs

__all__ = [
    "Dateline",
    "HeadlineParts",
    "Story",
    "parse_dateline",
    "parse_story",
    "resolve_year",
    "revision_from_prefix",
    "split_headline",
    "split_paragraphs",
]
