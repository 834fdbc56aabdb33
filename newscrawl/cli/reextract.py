"""`newscrawl reextract`: rebuild article feeds from web archives, without the network."""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from newscrawl.cli.common import PROG, fail, output_problem


def command_reextract(args: argparse.Namespace) -> int:
    from newscrawl.feeds.export import EXPORT_FORMATS, write_export
    from newscrawl.state import StateStore, StateStoreError, redacted
    from newscrawl.warc.rebuild import default_processes, rebuild
    from newscrawl.warc.reader import warc_files

    if problem := output_problem(args.output, EXPORT_FORMATS):
        return fail("reextract", problem, 2)
    processes = default_processes() if args.processes is None else args.processes
    if processes < 0:
        return fail("reextract", "--processes takes a whole number of at least 0", 2)
    files, missing = warc_files(args.paths)
    for path in missing:
        fail("reextract", f"{path}: no such file or directory")
    if not files:
        return fail("reextract", "no WARC files (.warc, .warc.gz) among the paths given", 1 if missing else 2)

    total = sum(Path(path).stat().st_size for path in files)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="newscrawl-reextract-") as scratch_dir, \
            StateStore(Path(scratch_dir, "rebuild.sqlite3")) as scratch, \
            _progress_bar(total) as bar:
        result = rebuild(files, processes, scratch, progress=bar.update, allowed_hosts=_allowed_hosts())
        bar.close()
        seconds = time.monotonic() - started
        for message in result.damaged:
            print(f"{PROG} reextract: {message}", file=sys.stderr)
        if result.articles == 0:
            print(_summary(result, seconds, processes), file=sys.stderr)
            return fail("reextract", f"no Yonhap article in the archives; {args.output} not written")
        try:
            count = write_export(args.output, scratch.records(latest=args.latest), not args.no_formula_guard)
        except ValueError as error:
            return fail("reextract", str(error), 2)
        print(_summary(result, seconds, processes), file=sys.stderr)
        what = "stories (latest revision of each)" if args.latest else "article versions"
        print(f"{PROG} reextract: {count} {what} -> {args.output}", file=sys.stderr)
        if args.update_store:
            from newscrawl.settings import NEWSCRAWL_STATE

            state = args.state or NEWSCRAWL_STATE
            try:
                with StateStore(state) as store:
                    rows = list(scratch.records(with_locations=True))
                    new = store.record_with_locations(rows)
            except StateStoreError as error:
                return fail("reextract", f"{error}; the state store was not updated")
            print(f"{PROG} reextract: state store {redacted(str(state))}: {len(rows)} article versions written "
                  f"({new} new, {len(rows) - new} replaced)", file=sys.stderr)
    return 1 if result.damaged or missing else 0


def _allowed_hosts() -> list[str]:
    """NEWSCRAWL_ALLOWED_HOSTS (comma-separated, or a JSON list, as a crawl takes it)."""
    import json
    import os

    value = os.environ.get("NEWSCRAWL_ALLOWED_HOSTS", "").strip()
    if value.startswith("["):
        try:
            return [str(host) for host in json.loads(value)]
        except ValueError:
            pass
    return [host.strip() for host in value.split(",") if host.strip()]


def _summary(result, seconds: float, processes: int) -> str:
    dropped = {k: v for k, v in result.outcomes.items() if k not in ("exported", "older_capture")}
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(dropped.items())) or "none"
    rate = result.pages / seconds if seconds > 0 else 0.0
    return (f"{PROG} reextract: {result.files} files, {result.records} records, {result.pages} Yonhap pages, "
            f"{result.articles} articles; dropped: {reasons}; {rate:.0f} pages/s with {processes} worker process(es)")


def _progress_bar(total: int):
    """tqdm's bar with an ETA over the bytes of the archives, on a terminal only."""
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc="reading archives", file=sys.stderr,
                disable=not sys.stderr.isatty(), leave=False)


def add_parser(commands) -> None:
    reextract = commands.add_parser(
        "reextract",
        help="rebuild article feeds from WARC files (this crawler's, wget's, CC-NEWS) without the network",
        description="Read WARC files (or directories of them), take every 200 response whose URL has a "
        "/view/AEN... path on en.yna.co.kr, m-en.yna.co.kr, loopback (a mirror's archive) or a host "
        "$NEWSCRAWL_ALLOWED_HOSTS names (comma-separated), and run the crawl's extraction and pipeline steps on "
        "it; other hosts' pages and captures without a plausible WARC-Date are counted and skipped. One row per "
        "article version (the newest capture wins). Exit 1 if a file is damaged or missing (the rest is still "
        "used), 2 for bad options.",
    )
    reextract.add_argument("paths", nargs="+", metavar="PATH", help="WARC files (.warc, .warc.gz) or directories of them")
    reextract.add_argument("-o", "--output", required=True, metavar="OUT",
                           help="output file: .csv, .jsonl, .json or .parquet (as newscrawl export)")
    reextract.add_argument("--latest", action="store_true", help="one row per story_id: its highest revision")
    reextract.add_argument("--processes", type=int, metavar="N",
                           help="worker processes for extraction, while this one reads the archives (default: the "
                           "machine's cores; 0: extract in this process)")
    reextract.add_argument("--update-store", action="store_true",
                           help="also write the rebuilt records into the state store, so newscrawl export gives them")
    reextract.add_argument("--state", metavar="PATH|URL", help="the state store for --update-store: a file, or a "
                           "postgresql:// URL (default as newscrawl export)")
    reextract.add_argument("--no-formula-guard", action="store_true", help="CSV only: leave cells that start with = + - @ as they are (by default such a "
                           "cell gets a leading apostrophe, so a spreadsheet shows it as text, never runs it)")
    reextract.set_defaults(handler=command_reextract)
