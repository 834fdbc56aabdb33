"""`newscrawl jobs`: recent scrapyd jobs with state, items, health or progress, and feed."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newscrawl.cli.common import PROG, scrapyd_clients, scrapyd_options


def command_jobs(args: argparse.Namespace) -> int:
    import json

    from newscrawl.monitoring.run_report import find_reports, read_progress
    from newscrawl.scheduling.client import ScrapydError, read_credentials
    from newscrawl.scheduling.jobs import format_job_rows, job_rows
    from newscrawl.settings import NEWSCRAWL_DATA_DIR

    jobs: dict[str, list] = {}
    try:
        clients = scrapyd_clients(args, read_credentials(args.auth_file))
    except ValueError as error:
        print(f"{PROG} jobs: {error}", file=sys.stderr)
        return 1
    answered = 0
    for client in clients:  # every node's jobs, one table
        try:
            for state, listed in client.list_jobs(args.project).items():
                if isinstance(listed, list):
                    jobs.setdefault(state, []).extend(listed)
            answered += 1
        except ScrapydError as error:
            print(f"{PROG} jobs: {error}", file=sys.stderr)
    if not answered:
        return 1
    data_dir = args.data_dir or NEWSCRAWL_DATA_DIR
    rows = job_rows(jobs, find_reports(data_dir), lambda job: read_progress(data_dir, job))[: args.limit]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(format_job_rows(rows, str(Path(data_dir).absolute())))
    return 0


def add_parser(commands) -> None:
    jobs = commands.add_parser(
        "jobs",
        help="recent scrapyd jobs with state, item count, health and feed",
        description="List the project's scrapyd jobs (listjobs.json), with each finished job's item count, health "
        "and feed file from its run report under the data directory.",
    )
    scrapyd_options(jobs, what_spider=False)
    jobs.add_argument("--data-dir", help="where the crawls write (default: $NEWSCRAWL_DATA_DIR or data)")
    jobs.add_argument("--limit", type=int, default=20, help="show at most this many jobs (default: %(default)s)")
    jobs.add_argument("--json", action="store_true", help="print JSON instead of a table")
    jobs.set_defaults(handler=command_jobs)
