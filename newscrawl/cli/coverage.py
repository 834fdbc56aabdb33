"""`newscrawl coverage`: the store against an archive's index, day by day; the versions it
lacks as article URLs for `-a urls_file=` (docs/archive.md)."""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from newscrawl.cli.common import PROG, fail


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {value!r}") from None


def command_coverage(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from newscrawl.archives.coverage import coverage_by_day, format_table, missing_urls, to_json, totals
    from newscrawl.archives.index import IndexReader, IndexUnreadable
    from newscrawl.archives.sources import parse_archive
    from newscrawl.feeds.records import replacing
    from newscrawl.settings import (NEWSCRAWL_ARCHIVE_DELAYS, NEWSCRAWL_ARCHIVE_LEAD_DAYS, NEWSCRAWL_ARCHIVE_LEGACY_PREFIXES,
                                    NEWSCRAWL_ARCHIVE_MAX_INDEX_PAGES,
                                    NEWSCRAWL_COMMONCRAWL_COLLECTIONS_URL, NEWSCRAWL_COMMONCRAWL_DATA_URL,
                                    NEWSCRAWL_COMMONCRAWL_INDEX_URL, NEWSCRAWL_STATE, NEWSCRAWL_WAYBACK_URL, USER_AGENT)
    from newscrawl.secrets import has_credentials, redacted as redacted_url
    from newscrawl.state import StateStore, StateStoreError, redacted

    today = datetime.now(ZoneInfo("Asia/Seoul")).date()
    until = min(args.until or today, today)  # an archive holds the past only
    if until < args.since:
        return fail("coverage", f"--until ({until}) is before --since ({args.since})", 2)
    for name, value in (("--archive", args.archive), ("NEWSCRAWL_WAYBACK_URL", NEWSCRAWL_WAYBACK_URL),
                        ("NEWSCRAWL_COMMONCRAWL_INDEX_URL", NEWSCRAWL_COMMONCRAWL_INDEX_URL),
                        ("NEWSCRAWL_COMMONCRAWL_DATA_URL", NEWSCRAWL_COMMONCRAWL_DATA_URL),
                        ("NEWSCRAWL_COMMONCRAWL_COLLECTIONS_URL", NEWSCRAWL_COMMONCRAWL_COLLECTIONS_URL)):
        if has_credentials(value):
            return fail("coverage", f"refused: {name} {redacted_url(value)} carries credentials", 2)
    if args.since.year < 1996:
        return fail("coverage", f"--since ({args.since}) is before any web archive (1996)", 2)
    try:
        source = parse_archive(args.archive, NEWSCRAWL_WAYBACK_URL, NEWSCRAWL_COMMONCRAWL_INDEX_URL,
                               NEWSCRAWL_COMMONCRAWL_DATA_URL, NEWSCRAWL_COMMONCRAWL_COLLECTIONS_URL)
    except ValueError as error:
        return fail("coverage", str(error), 2)
    for target in (args.output, args.json):
        if target and Path(target).is_dir():
            return fail("coverage", f"{target} is a directory: name a file", 2)
    state = args.state or NEWSCRAWL_STATE
    try:
        with StateStore(state, read_only=True) as store:
            held = list(store.ids_between(f"AEN{args.since:%Y%m%d}", f"AEN{until:%Y%m%d}~"))
    except StateStoreError as error:
        return fail("coverage", str(error))
    delay = args.delay if args.delay is not None else NEWSCRAWL_ARCHIVE_DELAYS.get(source.kind, 1.0)
    reader = IndexReader(source, delay, USER_AGENT, max_pages=NEWSCRAWL_ARCHIVE_MAX_INDEX_PAGES)
    archived = set()
    try:
        for capture in reader.captures(args.since, until, NEWSCRAWL_ARCHIVE_LEAD_DAYS,
                                       tuple(NEWSCRAWL_ARCHIVE_LEGACY_PREFIXES)):
            if capture.status == 200 and capture.article_id:
                archived.add(capture.article_id)
    except IndexUnreadable as error:
        return fail("coverage", f"the archive's index could not be read: {error}; nothing written")
    days = coverage_by_day(held, archived, args.since, until)
    print(format_table(days, source.name))
    total = totals(days)
    try:
        if args.output:
            with replacing(args.output) as handle:
                handle.write("".join(f"{url}\n" for url in missing_urls(days)))
        if args.json:
            with replacing(args.json) as handle:
                handle.write(to_json(days, source.name, datetime.now(timezone.utc).isoformat(timespec="seconds")))
    except OSError as error:
        return fail("coverage", f"{error}")
    print(f"{PROG} coverage: {total['held']:,} versions in state store {redacted(str(state))}, {total['archived']:,} in "
          f"{source.name} ({reader.requests:,} index requests), {total['missing']:,} missing"
          + (f" -> {args.output}" if args.output else ""), file=sys.stderr)
    return 0


def add_parser(commands) -> None:
    coverage = commands.add_parser(
        "coverage",
        help="the store against a web archive's index, per KST day: what is missing",
        description="Per KST day of the article ids: the versions the state store holds, those the archive's index "
        "holds as a page (status 200), those the store lacks, and those no capture of the archive has. -o writes the "
        "missing versions as article URLs, one a line, for `scrapy crawl yonhap -a urls_file=FILE` (live) or with "
        "`-a archive=SOURCE` (from the archive).",
    )
    coverage.add_argument("--archive", required=True, metavar="SOURCE",
                          help="wayback, commoncrawl, commoncrawl:CRAWL,... or a pywb collection URL")
    coverage.add_argument("--since", required=True, type=_day, metavar="YYYY-MM-DD", help="first KST day")
    coverage.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="last KST day (default: today)")
    coverage.add_argument("--state", metavar="PATH|URL", help="state store (default as newscrawl export)")
    coverage.add_argument("-o", "--output", metavar="FILE", help="write the missing versions' URLs here")
    coverage.add_argument("--json", metavar="FILE", help="write the table as JSON (for newscrawl report --coverage)")
    coverage.add_argument("--delay", type=float, metavar="SECONDS",
                          help="between two index requests (default: NEWSCRAWL_ARCHIVE_DELAYS of the archive)")
    coverage.set_defaults(handler=command_coverage)
