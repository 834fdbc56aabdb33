"""`newscrawl export`: the exported articles (all versions or the latest per story) as one file."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newscrawl.cli.common import PROG, fail, output_problem


def command_export(args: argparse.Namespace) -> int:
    from newscrawl.feeds.export import EXPORT_FORMATS, read_feed_files, select_records, write_export
    from newscrawl.state import StateStore, StateStoreError, redacted

    if problem := output_problem(args.output, EXPORT_FORMATS):
        return fail("export", problem, 2)
    if args.feeds:
        for name in args.feeds:
            if not Path(name).is_file():
                return fail("export", f"{name}: no such feed file")
        try:
            bad_lines = []
            records = select_records(read_feed_files(args.feeds, bad_lines.append), args.latest)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            return fail("export", f"{error}; nothing written")
        for message in bad_lines:
            print(f"{PROG} export: skipped: {message}", file=sys.stderr)
        source, available = f"{len(args.feeds)} feed file(s)", len(records)
    else:
        from newscrawl.settings import NEWSCRAWL_STATE

        state = args.state or NEWSCRAWL_STATE
        try:
            store = StateStore(state, read_only=True)
        except StateStoreError as error:
            return fail("export", f"{error}; give feed files instead, or --state PATH")
        records, available = store.records(latest=args.latest), store.count()
        source = f"state store {redacted(str(state))}"
    try:
        if available == 0:
            # Nothing to write: an existing output stays as it is.
            return fail("export", f"no articles in {source}; {args.output} not written")
        count = write_export(args.output, records, not args.no_formula_guard)
    except ValueError as error:
        return fail("export", str(error), 2)
    finally:
        if not args.feeds:
            store.close()
    what = "stories (latest revision of each)" if args.latest else "article versions"
    print(f"{PROG} export: {count} {what} from {source} -> {args.output}", file=sys.stderr)
    return 0


def add_parser(commands) -> None:
    export = commands.add_parser(
        "export",
        help="write the exported articles as one file (--latest: one row per story)",
        description="Write the articles that crawls exported, from the state store (default) or from "
        "feed files, to one .csv, .jsonl, .json or .parquet file. With --latest each story appears "
        "once, as its highest revision: count stories with it, not with the raw feeds.",
    )
    export.add_argument("feeds", nargs="*", metavar="FEED", help="feed files (.jsonl, .json, .csv) to read instead of the state store")
    export.add_argument("-o", "--output", required=True, metavar="OUT", help="output file: .csv, .jsonl, .json or .parquet (needs pyarrow)")
    export.add_argument("--latest", action="store_true", help="one row per story_id: its highest revision")
    export.add_argument("--state", metavar="PATH|URL", help="state store: a file, or a postgresql:// URL (default: $NEWSCRAWL_STATE_URL, else $NEWSCRAWL_STATE_PATH or $NEWSCRAWL_DATA_DIR/state/newscrawl.sqlite3)")
    export.add_argument("--no-formula-guard", action="store_true", help="CSV only: do not prefix cells starting with = + - @")
    export.set_defaults(handler=command_export)
