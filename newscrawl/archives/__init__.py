"""Public web archives: which one, what its CDX index answers, which capture to fetch, and how
complete the store is against it (no Scrapy import; docs/archive.md)."""
