"""`newscrawl export`: the exported articles (all versions or the latest per story) as one file."""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from newscrawl.cli.common import PROG, fail, output_problem

CONSUMER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def command_export_new(args: argparse.Namespace) -> int:
    """--new NAME: the rows committed since consumer NAME's last export, into a file of
    their own in the output directory, named by the export's number."""
    from newscrawl.feeds.export import write_export
    from newscrawl.settings import NEWSCRAWL_STATE
    from newscrawl.state import StateStore, StateStoreError, redacted

    if args.feeds or args.latest:
        return fail("export", "--new reads the state store: give neither feed files nor --latest", 2)
    if not CONSUMER_NAME.fullmatch(args.new):
        return fail("export", f"--new {args.new!r}: a consumer name is 1-64 letters, digits, . _ - "
                              "(it names the files)", 2)
    directory = Path(args.output)
    if not directory.is_dir():
        return fail("export", f"{args.output}: with --new, -o names an existing directory", 2)
    state = args.state or NEWSCRAWL_STATE
    try:
        with StateStore(state, create=False) as store:
            batch = store.consumer_batch(args.new)
            if batch is None:
                print(f"{PROG} export: nothing new for {args.new} in state store {redacted(str(state))}", file=sys.stderr)
                return 0
            export_id, rows = batch
            # Named by the export's number: an export killed and run again rewrites the
            # same file with the same rows; a consumer reads each file name once.
            path = directory / f"{args.new}-{export_id:08d}.{args.format}"
            count = write_export(path, store.consumer_records(export_id), not args.no_formula_guard)
            store.finish_consumer_export(export_id)
    except StateStoreError as error:
        return fail("export", str(error))
    except (OSError, ValueError) as error:
        return fail("export", f"{error}; the same rows are written again by the next export --new {args.new}")
    print(f"{PROG} export: {count} new article versions for {args.new} -> {path}", file=sys.stderr)
    return 0


def command_export_changes(args: argparse.Namespace) -> int:
    """--changes: one row per (story, from, to) version pair, from the store or feed files."""
    from newscrawl.feeds.export import EXPORT_FORMATS, read_feed_files, select_records, write_changes
    from newscrawl.revisions.chains import change_rows
    from newscrawl.state import StateStore, StateStoreError, redacted

    if args.latest or args.new is not None:
        return fail("export", "--changes diffs every version: give neither --latest nor --new", 2)
    if problem := output_problem(args.output, EXPORT_FORMATS):
        return fail("export", problem, 2)
    store = None
    if args.feeds:
        for name in args.feeds:
            if not Path(name).is_file():
                return fail("export", f"{name}: no such feed file")
        try:
            bad_lines = []
            records = sorted(select_records(read_feed_files(args.feeds, bad_lines.append), latest=False),
                             key=lambda r: (r["article_id"][:15], int(r.get("revision") or 0), r["article_id"]))
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
        records, available = store.records_by_story(revised_only=True), store.count()
        source = f"state store {redacted(str(state))}"
    malformed: list[str] = []
    try:
        if available == 0:
            return fail("export", f"no articles in {source}; {args.output} not written")
        count = write_changes(args.output, change_rows(records, malformed), not args.no_formula_guard)
    except ValueError as error:
        return fail("export", str(error), 2)
    except StateStoreError as error:
        return fail("export", f"{error}; {args.output} not written")
    except OSError as error:
        return fail("export", f"{args.output} cannot be written: {error.strerror or error}; nothing written")
    finally:
        if store is not None:
            store.close()
    if malformed:
        print(f"{PROG} export: {len(malformed)} versions with malformed fields, read as empty (first: "
              f"{malformed[0]})", file=sys.stderr)
    print(f"{PROG} export: {count} change{'' if count == 1 else 's'} between consecutive versions, from {source} -> "
          f"{args.output}", file=sys.stderr)
    return 0


def command_export(args: argparse.Namespace) -> int:
    from newscrawl.feeds.export import EXPORT_FORMATS, read_feed_files, select_records, write_export
    from newscrawl.state import StateStore, StateStoreError, redacted

    if args.changes:
        return command_export_changes(args)
    if args.new is not None:
        return command_export_new(args)
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
    except OSError as error:
        return fail("export", f"{args.output} cannot be written: {error.strerror or error}; nothing written")
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
    export.add_argument("-o", "--output", required=True, metavar="OUT", help="output file: .csv, .jsonl, .json or .parquet (needs pyarrow); with --new, a directory")
    export.add_argument("--new", metavar="NAME", help="only the rows committed since consumer NAME's last export --new, "
                        "into OUT/NAME-<number>.<format>: each row once per consumer, whatever dies")
    export.add_argument("--format", default="jsonl", choices=["jsonl", "json", "csv", "parquet"],
                        help="with --new: the files' format (default jsonl)")
    export.add_argument("--latest", action="store_true", help="one row per story_id: its highest revision")
    export.add_argument("--changes", action="store_true", help="one row per pair of consecutive versions of a story: "
                        "what changed (paragraphs, words, headline, photos, keywords) and whether the editor's note "
                        "agrees (docs/fields.md#what-changed-between-versions)")
    export.add_argument("--state", metavar="PATH|URL", help="state store: a file, or a postgresql:// URL (default: $NEWSCRAWL_STATE_URL, else $NEWSCRAWL_STATE_PATH or $NEWSCRAWL_DATA_DIR/state/newscrawl.sqlite3)")
    export.add_argument("--no-formula-guard", action="store_true", help="CSV only: leave cells that start with = + - @ as they are (by default such a "
                           "cell gets a leading apostrophe, so a spreadsheet shows it as text, never runs it)")
    export.set_defaults(handler=command_export)
