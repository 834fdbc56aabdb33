"""`newscrawl report`: one offline HTML page for analysts, with charts."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path

from newscrawl.cli.common import PROG, fail, output_problem


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {value!r}") from None


def run_reports(data_dir: str | Path) -> list[dict]:
    """Every crawl's run report under the data directory (unreadable ones skipped)."""
    from newscrawl.monitoring.run_report import report_files

    reports, seen = [], set()
    for path in report_files(data_dir):
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(report, dict):
            continue
        key = (report.get("job"), report.get("started_at"))  # a copy under reports/ is the same run
        if key not in seen:
            seen.add(key)
            reports.append(report)
    return reports


def _parquet_records(paths: list[str]) -> list[dict]:
    """The rows of Parquet exports (typed times read back as ISO 8601, as in the feeds)."""
    import pandas as pd

    records = []
    for path in paths:
        try:
            table = pd.read_parquet(path)
        except Exception as error:  # noqa: BLE001 - pyarrow raises many kinds for a bad file
            raise ValueError(f"{path}: not a readable Parquet file ({error})") from None
        for column in ("published_at", "modified_at", "crawled_at", "captured_at"):
            if column in table:
                table[column] = table[column].map(lambda value: value.isoformat() if pd.notna(value) else "")
        records += table.to_dict("records")
    return records


def command_report(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from newscrawl.analysis.aggregates import (archive_coverage, build, changes_frame, frame, plural,
                                               stories_in_window, window)
    from newscrawl.archives.coverage import from_json
    from newscrawl.analysis.page import render
    from newscrawl.feeds.export import read_feed_files, select_records
    from newscrawl.feeds.records import replacing
    from newscrawl.revisions.chains import by_story, change_rows
    from newscrawl.settings import NEWSCRAWL_DATA_DIR, NEWSCRAWL_STATE
    from newscrawl.state import StateStore, StateStoreError, redacted

    if args.since and args.until and args.until < args.since:
        return fail("report", f"--until ({args.until}) is before --since ({args.since})", 2)
    if problem := output_problem(args.output):
        return fail("report", problem, 2)
    if args.feeds:
        for name in args.feeds:
            if not Path(name).is_file():
                return fail("report", f"{name}: no such feed file")
        bad = []
        parquet = [name for name in args.feeds if name.lower().endswith(".parquet")]
        text = [name for name in args.feeds if name not in parquet]
        try:
            records = select_records([*read_feed_files(text, bad.append), *_parquet_records(parquet)], latest=False)
            rows = frame(records)
            changes = changes_frame(change_rows(stories_in_window(by_story(records), args.since, args.until)))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            return fail("report", f"{error}; no report written")
        for message in bad:
            print(f"{PROG} report: skipped: {message}", file=sys.stderr)
        source = f"{len(args.feeds)} feed file(s)"
    else:
        state = args.state or NEWSCRAWL_STATE
        try:
            with StateStore(state, read_only=True) as store:
                rows = frame(store.records())
                changes = changes_frame(change_rows(stories_in_window(store.records_by_story(revised_only=True),
                                                                      args.since, args.until)))
        except StateStoreError as error:
            return fail("report", f"{error}; give feed files instead, or --state PATH")
        source = f"state store {redacted(str(state))}"
    rows = window(rows, args.since, args.until)
    now = datetime.now(ZoneInfo("Asia/Seoul"))
    report = build(rows, run_reports(args.data_dir or NEWSCRAWL_DATA_DIR), now, args.since, args.until, changes)
    if args.since or args.until:
        source += f", {args.since or '…'} to {args.until or '…'} (KST)"
    coverage = None
    if args.coverage:
        try:
            archive, days = from_json(Path(args.coverage).read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError) as error:
            return fail("report", f"{args.coverage}: {error}; no report written")
        coverage = archive_coverage(archive, days) if days else None
    page = render(report, "Yonhap English: what the feeds hold", source, now, coverage)
    with replacing(args.output) as handle:
        handle.write(page)
    m = report.metrics
    print(f"{PROG} report: {m['stories']} stories, {m['versions']} versions"
          + (f", {m['first_day']} to {m['last_day']}" if m["versions"] else " (nothing to chart)")
          + f", {plural(m['runs'], 'run')} -> {args.output} ({len(page.encode()) / 1e6:.1f} MB)", file=sys.stderr)
    return 0


def add_parser(commands) -> None:
    report = commands.add_parser(
        "report",
        help="one offline HTML page for analysts: coverage, revisions, field health, runs, keywords",
        description="Write one self-contained HTML file (charts included, no network needed to view it) from "
        "the state store or from feed files, and the run reports under the data directory.",
    )
    report.add_argument("feeds", nargs="*", metavar="FEED",
                        help="feed files (.jsonl, .json, .csv) or exports (.parquet) instead of the state store")
    report.add_argument("-o", "--output", default="report.html", metavar="OUT.html", help="default: %(default)s")
    report.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="first KST day of stories to include")
    report.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="last KST day of stories to include")
    report.add_argument("--state", metavar="PATH|URL", help="state store (default as newscrawl export)")
    report.add_argument("--data-dir", help="where the run reports are (default: $NEWSCRAWL_DATA_DIR or data)")
    report.add_argument("--coverage", metavar="COVERAGE.json", help="add the store against an archive: a file "
                        "`newscrawl coverage --json` wrote")
    report.set_defaults(handler=command_report)
