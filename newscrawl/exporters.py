"""The CSV feed exporter: lists as JSON arrays, cells guarded against formulas.

Scrapy's CsvItemExporter joins lists with "," which cannot be split back when a
keyword or caption holds a comma; a JSON array can (docs/fields.md shows pandas).
NEWSCRAWL_CSV_FORMULA_GUARD (default True) prefixes cells starting with = + - @
with an apostrophe (newscrawl.records.csv_cell).
"""
from __future__ import annotations

from scrapy.exporters import CsvItemExporter

from newscrawl.records import csv_cell


class ArticleCsvItemExporter(CsvItemExporter):
    def __init__(self, file, *args, neutralize_formulas: bool = True, **kwargs):
        super().__init__(file, *args, **kwargs)
        self.neutralize_formulas = neutralize_formulas

    @classmethod
    def from_crawler(cls, crawler, file, *args, **kwargs):
        kwargs.setdefault("neutralize_formulas", crawler.settings.getbool("NEWSCRAWL_CSV_FORMULA_GUARD", True))
        return cls(file, *args, **kwargs)

    def serialize_field(self, field, name, value):
        return csv_cell(value, self.neutralize_formulas)
