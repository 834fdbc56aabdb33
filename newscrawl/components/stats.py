"""The crawl's stats collector (STATS_CLASS): Scrapy's MemoryStatsCollector, its
attributes read the plain way.

Scrapy 2.19 routes every attribute access on a stats collector through a
`__getattribute__` that looks for a cached wrapper first (the wrapper warns when a
caller still passes the deprecated `spider` argument). For an attribute with no
wrapper, the collector's own `_stats` on every call, that look-up raises and catches an
AttributeError. One `inc_value` costs 18,000 instructions so, 1,800 without (callgrind),
and a crawl counts about 45 stats a page: 3% of its CPU (docs/performance.md). Scrapy
has since made the check cheaper upstream (scrapy/scrapy#7045, #7842).

The methods are MemoryStatsCollector's own, with the same arguments: a `spider`
argument is still accepted and ignored, only no longer warned about.
"""
from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector


class PlainStatsCollector(MemoryStatsCollector):
    __getattribute__ = object.__getattribute__
