"""Feed file naming: the FEED_URI_PARAMS function of the project's settings.

Adds `%(job)s` to the parameters a FEEDS path may use: the scrapyd job id for a
crawl scrapyd started (its `_job` argument), else "local". With `%(time)s` (UTC start
time) it gives every run a feed file of its own:
data/feeds/yonhap-2026-11-27T06-00-00+00-00-<job>.jsonl.
"""
from __future__ import annotations

import re

LOCAL_JOB = "local"


def job_id(spider) -> str:
    """The scrapyd job id of the crawl, or "local"; only [A-Za-z0-9_-] (a file name part)."""
    value = str(getattr(spider, "_job", "") or "")
    return re.sub(r"[^A-Za-z0-9_-]", "_", value)[:64] or LOCAL_JOB


def feed_uri_params(params: dict, spider) -> dict:
    params["job"] = job_id(spider)
    return params
