"""Building the analysts' report: time, peak memory and page size against the rows.

    python -P benchmarks/report.py [--rows 1000 100000]

For each size, in a fresh process: a state store filled with that many synthetic
exported records over a year (newscrawl.analysis.sample), then `newscrawl report`
over it. Prints the command's wall time, peak RSS (VmHWM) and the page's size: the
page embeds aggregates only, so its size must not grow with the rows.
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
    # The sample makes about 1.15 versions a story: ask for enough stories, keep exactly the rows asked.
    rows = int(sys.argv[2])
    store.record(sample_records(rows, date(2025, 1, 1), 365)[:rows], store.begin_run())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 100_000])
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSCRAWL_", "SCRAPY_"))}
    print(f"machine: {os.cpu_count()} CPUs")
    print(f"{'rows asked':>14}{'rows':>9}{'wall s':>8}{'CPU s':>7}{'peak RSS MB':>12}{'page MB':>9}")
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as scratch:
            store = Path(scratch) / "state.sqlite3"
            subprocess.run([sys.executable, "-c", FILL, str(store), str(rows)], env=env, check=True)
            with sqlite3.connect(store) as db:
                count = db.execute("SELECT count(*) FROM articles").fetchone()[0]
            result = run_measured([sys.executable, "-m", "newscrawl", "report", "--state", str(store), "--data-dir",
                                   scratch, "-o", "report.html"], Path(scratch), env)
            size = (Path(scratch) / "report.html").stat().st_size / 1e6
            print(f"{rows:>14}{count:>9}{result['wall']:>8.1f}{result['cpu']:>7.1f}{result['rss_mb']:>12.0f}{size:>9.2f}")


if __name__ == "__main__":
    main()
