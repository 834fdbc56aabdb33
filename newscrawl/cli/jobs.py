"""`newscrawl jobs`: recent scrapyd jobs with state, items, health or progress, and feed."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newscrawl.cli.common import PROG, scrapyd_clients, scrapyd_options


def command_jobs(args: argparse.Namespace) -> int:
    import json

    from newscrawl.monitoring.run_report import find_reports, outcome_from_log, read_progress
    from newscrawl.scheduling.client import ScrapydError, read_credentials
    from newscrawl.scheduling.jobs import apply_outcome, format_job_rows, job_rows
    from newscrawl.settings import NEWSCRAWL_DATA_DIR, NEWSCRAWL_STATE_URL
    from newscrawl.state import StateStore, StateStoreError, redacted

    jobs: dict[str, list] = {}
    try:
        clients = scrapyd_clients(args, read_credentials(args.auth_file))
    except ValueError as error:
        print(f"{PROG} jobs: {error}", file=sys.stderr)
        return 1
    answered, node_of = 0, {}
    for client in clients:  # every node's jobs, one table
        try:
            for state, listed in client.list_jobs(args.project).items():
                if isinstance(listed, list):
                    jobs.setdefault(state, []).extend(listed)
                    node_of.update((job["id"], (client, job.get("log_url"))) for job in listed
                                   if isinstance(job.get("id"), str))
            answered += 1
        except ScrapydError as error:
            print(f"{PROG} jobs: {error}", file=sys.stderr)
    if not answered:
        return 1
    data_dir = args.data_dir or NEWSCRAWL_DATA_DIR
    outcomes, places = {}, [str(Path(data_dir).absolute())]
    if state := args.state or NEWSCRAWL_STATE_URL:  # a shared store holds every node's runs
        ids = [job.get("id", "") for listed in jobs.values() if isinstance(listed, list) for job in listed]
        try:
            with StateStore(state, read_only=True) as store:
                outcomes = store.job_outcomes(ids)
        except StateStoreError as error:
            print(f"{PROG} jobs: {error}; job outcomes from report files and job logs only", file=sys.stderr)
        places.append(f"in state store {redacted(str(state))}")
    rows = job_rows(jobs, find_reports(data_dir), lambda job: read_progress(data_dir, job), outcomes,
                    f"state store {redacted(str(state))}" if state else "")[: args.limit]
    # Neither here nor in a shared store: the outcome the run logged, from its node's log.
    looked_in = ", ".join(places) + " or in its scrapyd log"
    for row in rows:
        if row["state"] != "finished" or row["report"] is not None:
            continue
        client, log_url = node_of.get(row["job"], (None, None))
        if not log_url:
            row["log_problem"] = "scrapyd gives no log URL"
            continue
        try:
            outcome = outcome_from_log(client.log_tail(log_url))
        except ScrapydError as error:
            row["log_problem"] = str(error)
            continue
        if outcome is None:
            row["log_problem"] = f"no run outcome in {client.url}{log_url}"
        else:
            apply_outcome(row, outcome, f"{client.url}{log_url}")
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(format_job_rows(rows, looked_in))
    return 0


def add_parser(commands) -> None:
    jobs = commands.add_parser(
        "jobs",
        help="recent scrapyd jobs with state, item count, health and feed",
        description="List the project's scrapyd jobs (listjobs.json), with each finished job's item count, health "
        "and feed file: from its run report under the data directory, else from the outcome its run recorded in a "
        "shared state store, else from the outcome line in its log, read from its node.",
    )
    scrapyd_options(jobs, what_spider=False)
    jobs.add_argument("--data-dir", help="where the crawls write (default: $NEWSCRAWL_DATA_DIR or data)")
    jobs.add_argument("--state", metavar="PATH|URL", help="a state store the nodes share, where every run records its "
                      "outcome: every node's jobs show from here (default: $NEWSCRAWL_STATE_URL, if set)")
    jobs.add_argument("--limit", type=int, default=20, help="show at most this many jobs (default: %(default)s)")
    jobs.add_argument("--json", action="store_true", help="print JSON instead of a table")
    jobs.set_defaults(handler=command_jobs)
