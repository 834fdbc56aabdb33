"""Scheduled crawls through scrapyd (no Scrapy import; docs/scheduling.md), by job:
client (a small scrapyd client and its credentials), trigger (one tick on a node that
is up and idle), service (the recurring scheduler), jobs (the job listing)."""
