"""`newscrawl clean`: Yonhap story text dumps -> clean records."""
from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path

from dateutil.parser import isoparse

from newscrawl.cli.common import PROG, read_input


def parse_reference(value: str) -> date | datetime:
    """--reference-date: an ISO 8601 date or date-time (naive times are KST)."""
    try:
        parsed = isoparse(value)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 date or date-time: {value!r} (e.g. 2020-02-05 or 2020-02-05T09:30+09:00)"
        ) from None
    # A bare date stays a date: no time zone question arises.
    return parsed.date() if len(value.strip()) <= 10 else parsed


def _read_input(name: str) -> str:
    """The text of one input file ("-" is stdin); OSError/ValueError say what is wrong."""
    data = read_input(name)
    if not data.strip():
        raise ValueError("empty file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text (byte {error.start}: {data[error.start:error.start + 1]!r})") from None


def command_clean(args: argparse.Namespace) -> int:
    from newscrawl.feeds.records import format_for_path, render, write_atomically
    from newscrawl.text.dump import RECORD_FIELDS, NoStoryError, clean_dump

    fmt = "jsonl"
    if args.output:
        try:
            fmt = format_for_path(args.output)
        except ValueError as error:
            print(f"{PROG} clean: {error}", file=sys.stderr)
            return 2
        if not Path(args.output).parent.is_dir():
            print(f"{PROG} clean: {args.output}: the output directory does not exist", file=sys.stderr)
            return 2
        if Path(args.output).is_dir():
            print(f"{PROG} clean: {args.output}: is a directory; name a file", file=sys.stderr)
            return 2
    records, failed = [], 0
    for name in args.files:
        label = "<stdin>" if name == "-" else name
        try:
            text = _read_input(name)
            records.append(clean_dump(text, source=label, reference=args.reference_date))
        except (OSError, ValueError, NoStoryError) as error:
            failed += 1
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            print(f"{PROG} clean: {label}: {reason}", file=sys.stderr)
    if args.output:
        if records:
            write_atomically(args.output, render(records, fmt, RECORD_FIELDS, not args.no_formula_guard))
        else:
            # Nothing to write: leave an existing output untouched rather than empty it.
            print(f"{PROG} clean: no story cleaned; {args.output} not written", file=sys.stderr)
    else:
        sys.stdout.write(render(records, "jsonl", RECORD_FIELDS))
    if failed:
        print(f"{PROG} clean: {len(records)} of {len(args.files)} inputs cleaned, {failed} failed", file=sys.stderr)
    return 1 if failed else 0


def add_parser(commands) -> None:
    clean = commands.add_parser(
        "clean",
        help="turn Yonhap story text dumps into clean records",
        description="Clean plain-text dumps of Yonhap stories: split headline, prefix, byline, "
        "dateline and body, and drop the related-headlines tail. One record per input.",
    )
    clean.add_argument("files", nargs="+", metavar="FILE", help="text file, or - for standard input")
    clean.add_argument(
        "--reference-date",
        type=parse_reference,
        metavar="ISO-8601",
        help="publish date or time that the dateline's year is resolved against; "
        "without it dateline_date is empty",
    )
    clean.add_argument("-o", "--output", metavar="OUT", help="write OUT (.jsonl, .json or .csv) instead of JSON Lines on stdout")
    clean.add_argument(
        "--no-formula-guard",
        action="store_true",
        help="CSV only: do not prefix cells starting with = + - @ with an apostrophe",
    )
    clean.set_defaults(handler=command_clean)
