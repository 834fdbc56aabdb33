"""The CSV feed exporter: lists as JSON arrays, cells guarded against formulas,
one header row however the file is written.

Scrapy's CsvItemExporter joins lists with "," which cannot be split back when a
keyword or caption holds a comma; a JSON array can (docs/fields.md shows pandas).
NEWSCRAWL_CSV_FORMULA_GUARD (default True) prefixes cells starting with = + - @
with an apostrophe (newscrawl.feeds.records.csv_cell).

Scrapy writes the header with the first row: appending to a feed (`-o x.csv` on a
second run) put a second header mid-file, and a run with no rows left a file with
no header that pandas cannot read. Here the header is written only to an empty
file, and written at the end of a run that exported nothing.
"""
from __future__ import annotations

from scrapy.exporters import CsvItemExporter

from newscrawl.feeds.records import csv_cell


def _file_offset(file) -> int:
    """Where writing starts: the end of an existing file opened to append, else 0."""
    try:
        return file.tell()
    except (AttributeError, OSError, ValueError):  # stdout, a pipe, a post-processing wrapper
        return 0


class ArticleCsvItemExporter(CsvItemExporter):
    def __init__(self, file, *args, neutralize_formulas: bool = True, **kwargs):
        appending = _file_offset(file) > 0
        super().__init__(file, *args, **kwargs)
        self.neutralize_formulas = neutralize_formulas
        if appending:
            self.include_headers_line = False  # the file has its header row already

    @classmethod
    def from_crawler(cls, crawler, file, *args, **kwargs):
        kwargs.setdefault("neutralize_formulas", crawler.settings.getbool("NEWSCRAWL_CSV_FORMULA_GUARD", True))
        return cls(file, *args, **kwargs)

    def serialize_field(self, field, name, value):
        return csv_cell(value, self.neutralize_formulas)

    def finish_exporting(self) -> None:
        if self._headers_not_written and self.include_headers_line and self.fields_to_export:
            # No row was exported: the header alone still makes a loadable table.
            self._headers_not_written = False
            self._write_headers_and_set_fields_to_export({})
        super().finish_exporting()
