"""Web archives: every fetched page kept as WARC (ISO 28500), and read back.

- writer: gzipped WARC/1.1 files, one gzip member per record, a warcinfo record
  opening each file, request/response pairs; written as `*.warc.gz.open`, renamed
  when complete, rotated by size; files a killed crawl left open are sealed.
- reader: captures from any WARC (this crawler's, wget's, CC-NEWS files), bodies
  decoded as Scrapy decodes them, damage reported with the file and offset.
- decode: HTTP bodies undone of their content codings, bounded in size.
- rebuild: articles from captures (`newscrawl reextract`), no network.

No Scrapy import: the crawl's side (NEWSCRAWL_WARC_*, every downloaded response written
with its body as it came over the wire) is newscrawl.components.archive.
"""
