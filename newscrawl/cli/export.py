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


def _source(args: argparse.Namespace, from_feeds, from_store):
    """What to export: (records, how many the source holds, its name, the store to close
    or None), from the feed files given (`from_feeds(records)` selects among theirs) or
    from the state store (`from_store(store)`); or the exit status after saying why not."""
    from newscrawl.feeds.export import read_feed_files
    from newscrawl.state import StateStore, StateStoreError, redacted

    if args.feeds:
        for name in args.feeds:
            if not Path(name).is_file():
                return fail("export", f"{name}: no such feed file")
        try:
            bad_lines = []
            records = from_feeds(read_feed_files(args.feeds, bad_lines.append))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            return fail("export", f"{error}; nothing written")
        for message in bad_lines:
            print(f"{PROG} export: skipped: {message}", file=sys.stderr)
        return records, len(records), f"{len(args.feeds)} feed file(s)", None
    from newscrawl.settings import NEWSCRAWL_STATE

    state = args.state or NEWSCRAWL_STATE
    try:
        store = StateStore(state, read_only=True)
    except StateStoreError as error:
        return fail("export", f"{error}; give feed files instead, or --state PATH")
    return from_store(store), store.count(), f"state store {redacted(str(state))}", store


def _write(args: argparse.Namespace, source, write, what) -> int:
    """Write the source's records with `write(records) -> count` and say so (`what(count)`
    names them); the exit status. Nothing to write: an existing output stays as it is."""
    from newscrawl.state import StateStoreError

    records, available, name, store = source
    try:
        if available == 0:
            return fail("export", f"no articles in {name}; {args.output} not written")
        count = write(records)
    except ValueError as error:
        return fail("export", str(error), 2)
    except StateStoreError as error:
        return fail("export", f"{error}; {args.output} not written")
    except OSError as error:
        return fail("export", f"{args.output} cannot be written: {error.strerror or error}; nothing written")
    finally:
        if store is not None:
            store.close()
    print(f"{PROG} export: {what(count)} from {name} -> {args.output}", file=sys.stderr)
    return 0


def command_export_changes(args: argparse.Namespace) -> int:
    """--changes: one row per (story, from, to) version pair, from the store or feed files."""
    from newscrawl.feeds.export import EXPORT_FORMATS, select_records, write_changes
    from newscrawl.revisions.chains import by_story, change_rows

    if args.latest or args.new is not None:
        return fail("export", "--changes diffs every version: give neither --latest nor --new", 2)
    if problem := output_problem(args.output, EXPORT_FORMATS):
        return fail("export", problem, 2)
    source = _source(args, lambda records: by_story(select_records(records, latest=False)),
                     lambda store: store.records_by_story(revised_only=True))
    if isinstance(source, int):
        return source
    malformed: list[str] = []
    status = _write(args, source, lambda records: write_changes(args.output, change_rows(records, malformed),
                                                               not args.no_formula_guard),
                    lambda count: f"{count} change{'' if count == 1 else 's'} between consecutive versions,")
    if malformed:
        print(f"{PROG} export: {len(malformed)} versions with malformed fields, read as empty (first: "
              f"{malformed[0]})", file=sys.stderr)
    return status


def command_export(args: argparse.Namespace) -> int:
    from newscrawl.feeds.export import EXPORT_FORMATS, select_records, write_export

    if args.changes:
        return command_export_changes(args)
    if args.new is not None:
        return command_export_new(args)
    if problem := output_problem(args.output, EXPORT_FORMATS):
        return fail("export", problem, 2)
    source = _source(args, lambda records: select_records(records, args.latest),
                     lambda store: store.records(latest=args.latest))
    if isinstance(source, int):
        return source
    what = "stories (latest revision of each)" if args.latest else "article versions"
    return _write(args, source, lambda records: write_export(args.output, records, not args.no_formula_guard),
                  lambda count: f"{count} {what}")


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
