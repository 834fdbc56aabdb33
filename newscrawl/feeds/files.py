"""Feed files: their names (the FEED_URI_PARAMS function) and the checks made on
them before a crawl starts (`feed_problems`).

Adds `%(job)s` to the parameters a FEEDS path may use: the scrapyd job id for a
crawl scrapyd started (its `_job` argument), else "local". With `%(time)s` (UTC start
time) it gives every run a feed file of its own:
data/feeds/yonhap-2026-11-27T06-00-00+00-00-<job>.jsonl.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from w3lib.url import file_uri_to_path

LOCAL_JOB = "local"


def job_id(spider) -> str:
    """The scrapyd job id of the crawl, or "local"; only [A-Za-z0-9_-] (a file name part)."""
    value = str(getattr(spider, "_job", "") or "")
    return re.sub(r"[^A-Za-z0-9_-]", "_", value)[:64] or LOCAL_JOB


def feed_uri_params(params: dict, spider) -> dict:
    params["job"] = job_id(spider)
    params["data_dir"] = str(spider.crawler.settings.get("NEWSCRAWL_DATA_DIR") or "data").rstrip("/")
    return params


# -- checks before a crawl writes its feeds ---------------------------------------
def local_path(uri: str) -> Path | None:
    """The file a feed URI names when it is a local file (a path, file://, or on
    Windows a drive letter), else None (S3, FTP, stdout, ...)."""
    scheme = urlsplit(uri).scheme
    if scheme == "file":
        return Path(file_uri_to_path(uri))
    return Path(uri) if scheme == "" or (len(scheme) == 1 and os.name == "nt") else None


# The columns 0.4 added at the end of every row (newscrawl.items.Article).
PROVENANCE_COLUMNS = ("fetched_from", "captured_at")


def feed_problems(feeds: dict, fields: list[str]) -> list[str]:
    """What would make a crawl's local feed files wrong, one sentence each:
    - a JSON feed appended to an existing file (two arrays: invalid JSON);
    - a CSV feed appended to a file with other columns (rows under the wrong header);
    - a directory that cannot be created or written.
    Paths with %(...)s parameters name a new file every run and are not looked at."""
    problems = []
    for uri, options in feeds.items():
        path = local_path(str(uri))
        if path is None:
            continue
        fmt, overwrite = options.get("format"), options.get("overwrite", False)
        if "%(" not in str(path) and path.is_file() and path.stat().st_size > 0 and not overwrite:
            if fmt == "json":
                problems.append(f"feed {path} exists: a JSON feed cannot be appended to (it would become "
                                "invalid JSON); use -O to replace it, or a .jsonl feed to append")
            elif fmt == "csv" and (header := _first_line(path)) != ",".join(fields):
                if header.split(",") + list(PROVENANCE_COLUMNS) == list(fields):
                    problems.append(f"feed {path} was written before rows said where their page came from (no "
                                    f"{' and '.join(PROVENANCE_COLUMNS)} columns): add them to it as docs/fields.md "
                                    "shows (\"Feeds from before 0.4\"), or use -O to replace it, or another file")
                else:
                    problems.append(f"feed {path} exists with other columns ({header[:80]!r}); appending would put "
                                    "rows under the wrong header: use -O to replace it, or another file")
        if path.is_dir():
            problems.append(f"feed {path} is a directory; name a file")
            continue
        directory = next((parent for parent in [path.parent, *path.parent.parents] if parent.exists()), Path("."))
        if not directory.is_dir() or not os.access(directory, os.W_OK | os.X_OK):
            problems.append(f"feed {path} cannot be written: {directory} is not a writable directory")
    return problems


def _first_line(path: Path) -> str:
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        return handle.readline(65536).rstrip("\r\n")
