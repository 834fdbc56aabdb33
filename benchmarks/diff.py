"""Diffs for every story of a synthetic year: time and peak memory.

    python -P benchmarks/diff.py [--stories 73000] [--days 365]

A state store filled with a synthetic year (newscrawl.analysis.sample: about 200
stories a day, an eighth of them revised, each revision editing the text under an
editor's note), then, each in a fresh process:
- `newscrawl export --changes -o changes.parquet`: every story's chain diffed, one row
  per change (the store is read a story at a time, so memory must stay flat);
- `newscrawl export --changes -o changes.csv`;
- `newscrawl diff` of the most revised story, as JSON and as HTML;
- `newscrawl report` over the store, which diffs every story too;
and a bare pass that only reads every record back from the store, for the ratio.
Prints wall and CPU seconds, peak RSS (VmHWM) and per-change figures.
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl import run_measured  # noqa: E402 - the benchmarks' own helper

FILL = """
import sys
from datetime import date
from newscrawl.analysis.sample import sample_records
from newscrawl.state import StateStore
with StateStore(sys.argv[1]) as store:
    store.record(sample_records(int(sys.argv[2]), date(2025, 1, 1), int(sys.argv[3])), store.begin_run())
"""
READ_ONLY = """
import sys
from newscrawl.state import StateStore
with StateStore(sys.argv[1], read_only=True) as store:
    print(sum(1 for _ in store.records_by_story()))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=73_000, help="about 200 a day for a year (default)")
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCRAWL_", "SCRAPY_"))}
    print(f"machine: {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        store = work / "state.sqlite3"
        subprocess.run([sys.executable, "-c", FILL, str(store), str(args.stories), str(args.days)], env=env, check=True)
        with sqlite3.connect(store) as db:
            stories, versions = db.execute("SELECT count(DISTINCT story_id), count(*) FROM articles").fetchone()
            most = db.execute("SELECT story_id FROM articles GROUP BY story_id ORDER BY count(*) DESC, story_id "
                              "LIMIT 1").fetchone()[0]
        size = store.stat().st_size / 1e6
        print(f"store: {stories:,} stories, {versions:,} versions, {size:.0f} MB")
        newscrawl = [sys.executable, "-m", "newscrawl"]
        runs = [
            ("read every record (no diff)", [sys.executable, "-c", READ_ONLY, str(store)]),
            ("export --changes .parquet", [*newscrawl, "export", "--changes", "--state", str(store), "-o", "c.parquet"]),
            ("export --changes .csv", [*newscrawl, "export", "--changes", "--state", str(store), "-o", "c.csv"]),
            (f"diff {most} --format json", [*newscrawl, "diff", most, "--state", str(store), "--format", "json",
                                             "-o", "one.json"]),
            (f"diff {most} --format html", [*newscrawl, "diff", most, "--state", str(store), "--format", "html",
                                             "-o", "one.html"]),
            ("report (diffs every story)", [*newscrawl, "report", "--state", str(store), "--data-dir", scratch,
                                            "-o", "report.html"]),
        ]
        changes = None
        print(f"{'run':<40}{'wall s':>8}{'CPU s':>8}{'peak RSS MB':>13}{'ms/change':>11}")
        for name, command in runs:
            result = run_measured(command, work, env)
            if changes is None and (work / "c.parquet").exists():
                import pyarrow.parquet as pq

                changes = pq.read_metadata(work / "c.parquet").num_rows
            per = f"{result['cpu'] * 1000 / changes:.2f}" if changes and "changes" in name else ""
            print(f"{name:<40}{result['wall']:>8.1f}{result['cpu']:>8.1f}{result['rss_mb']:>13.0f}{per:>11}")
        print(f"changes: {changes:,}")


if __name__ == "__main__":
    main()
