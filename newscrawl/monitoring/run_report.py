"""Run reports and progress files: where a run writes what it did, what it keeps, and how
`newscrawl jobs` and the analysts' report find them again (no Scrapy import;
docs/monitoring.md).

The report of a feed `data/feeds/yonhap-<time>-<job>.jsonl` is
`data/feeds/yonhap-<time>-<job>.report.json`; a run without a local feed file writes
`<NEWSCRAWL_DATA_DIR>/reports/<spider>-<time>-<job>.report.json`. A running crawl keeps
its latest progress figures in `<NEWSCRAWL_DATA_DIR>/progress/<job>.json`.
"""
from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

REPORT_SUFFIX = ".report.json"
PROGRESS_DIR = "progress"
# Scrapy's own stats that say how a run went; all newscrawl/* stats are kept too.
_SCRAPY_STATS = (
    "item_scraped_count", "item_dropped_count", "response_received_count", "downloader/request_count",
    "log_count/ERROR", "log_count/CRITICAL", "log_count/WARNING", "retry/count", "retry/max_reached",
    "robotstxt/forbidden", "elapsed_time_seconds", "memusage/max", "spider_exceptions/count",
    "httperror/response_ignored_count", "downloader/response_status_count/200",
)


def report_stats(stats: dict) -> dict:
    """The stats a report keeps, JSON-ready."""
    kept = {}
    for key in sorted(stats):
        if key.startswith(("newscrawl/", "spidermon/", "downloader/exception_type_count/", "retry/",
                           "downloader/response_status_count/", "item_dropped_reasons_count/", "offsite/",
                           "httperror/")) or key in _SCRAPY_STATS:
            value = stats[key]
            kept[key] = value.isoformat() if isinstance(value, datetime) else value
    return kept


def report_path_for_feed(feed_path: str | os.PathLike) -> Path:
    """The report beside a local feed file: its name with the format suffix replaced."""
    path = Path(feed_path)
    return path.with_name(path.name.rsplit(".", 1)[0] + REPORT_SUFFIX)


def progress_path(data_dir: str | os.PathLike, job: str) -> Path:
    """Where a running crawl keeps its latest progress figures (`newscrawl jobs` reads them)."""
    return Path(data_dir) / PROGRESS_DIR / f"{job}.json"


def report_files(data_dir: str | os.PathLike) -> list[Path]:
    """The run reports under data_dir, oldest first (a dangling symlink or a directory
    named like one is no report)."""
    found = []
    root = Path(data_dir)
    for path in root.rglob(f"*{REPORT_SUFFIX}") if root.is_dir() else ():
        try:
            if path.is_file():
                found.append((path.stat().st_mtime, path))
        except OSError:
            continue
    return [path for _, path in sorted(found)]


def find_reports(data_dir: str | os.PathLike) -> dict[str, Path]:
    """job id -> its run report under data_dir (the newest if several)."""
    return {path.name[: -len(REPORT_SUFFIX)].rsplit("-", 1)[-1]: path for path in report_files(data_dir)}


def read_progress(data_dir: str | os.PathLike, job: str) -> str | None:
    """The latest progress line a running crawl wrote (newscrawl.components.run_report.ProgressLog)."""
    try:
        return json.loads(progress_path(data_dir, job).read_text(encoding="utf-8")).get("line")
    except (OSError, ValueError, AttributeError):
        return None


RUN_OUTCOME_PREFIX = "run outcome: "


def outcome_from_log(text: str) -> dict | None:
    """The run outcome a crawl logged last (components.run_report: `run outcome: {...}`),
    from a job log or its tail; None when the log holds none whole."""
    for line in reversed(text.splitlines()):
        start = line.find(RUN_OUTCOME_PREFIX)
        if start < 0:
            continue
        try:
            outcome = json.loads(line[start + len(RUN_OUTCOME_PREFIX):])
        except ValueError:
            continue  # a line cut by the tail's start, or by a full disk
        if isinstance(outcome, dict):
            return outcome
    return None


def summary_line(stats: dict, feeds: dict[str, int], health: str) -> str:
    """The one line a run ends on: what it exported (new articles, new revisions), what it
    left (exported before, held by another crawl), its feeds and rows, and its health."""
    def count(key: str) -> int:
        value = stats.get(key, 0)
        return value if isinstance(value, int) else 0

    originals, revisions = count("newscrawl/exported/originals"), count("newscrawl/exported/revisions")
    claimed, held = count("newscrawl/incremental/claimed_elsewhere"), count("newscrawl/incremental/held_elsewhere")
    parts = [f"{originals} new {'article' if originals == 1 else 'articles'} and {revisions} new "
             f"{'revision' if revisions == 1 else 'revisions'} exported",
             f"{count('newscrawl/incremental/skipped')} skipped as exported before",
             f"{claimed} claimed by another crawl" + (f" ({held} still held by it)" if held else "")]
    written = ", ".join(f"{uri} ({rows} {'row' if rows == 1 else 'rows'})" for uri, rows in feeds.items())
    parts.append(f"feeds: {written}" if written else "no feed")
    return "; ".join([*parts, health])
