"""`newscrawl runs`: the crawl runs of a state store that are not over, and what they
hold; `--release-node NODE` frees what a node that is lost for good still holds."""
from __future__ import annotations

import argparse
import os
import sys

from newscrawl.cli.common import PROG, fail


def format_runs(runs) -> str:
    table = [("RUN", "STATE", "NODE", "HOST", "PID", "STARTED", "HOLDS", "IN FLIGHT")]
    for run in runs:
        table.append((str(run.run_id), run.state, run.node or "-", run.host or "-", str(run.pid or "-"),
                      run.started_at, str(run.claims), str(run.intents)))
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in table)


def command_runs(args: argparse.Namespace) -> int:
    from newscrawl.settings import NEWSCRAWL_DATA_DIR, NEWSCRAWL_STATE
    from newscrawl.state import StateStore, StateStoreError, default_node
    from newscrawl.state.locks import run_lock_dir

    if args.release_node is not None and not args.release_node.strip():
        return fail("runs", "--release-node takes a node id (`newscrawl runs` lists them)", 2)
    state = args.state or NEWSCRAWL_STATE
    node = args.node or os.environ.get("NEWSCRAWL_NODE_ID") or default_node()
    lock_dir = run_lock_dir(args.data_dir or NEWSCRAWL_DATA_DIR)
    try:
        with StateStore(state, create=False, node=node, lock_dir=lock_dir) as store:
            if args.release_node is not None:
                released = store.release_node(args.release_node)
                print(f"{PROG} runs: node {args.release_node} released: {released} articles it held are free "
                      "(fetched again by the next crawl)", file=sys.stderr)
                return 0
            runs = store.runs_overview()
    except StateStoreError as error:
        return fail("runs", str(error))
    if not runs:
        print(f"{PROG} runs: no run is under way or holds articles", file=sys.stderr)
        return 0
    print(format_runs(runs))
    return 0


def add_parser(commands) -> None:
    runs = commands.add_parser(
        "runs",
        help="crawl runs that are under way or hold articles; free a lost node's",
        description="List the runs of a state store that are not over (alive, or dead and not yet taken in) "
        "and finished runs whose rows in flight are in doubt: their node, host, pid, how many articles each "
        "holds and how many it was writing. A crawl that is alive but stuck is stopped on its host (kill -TERM "
        "PID, or scrapyd's cancel.json). --release-node NODE frees what a node whose disk is lost still holds.",
    )
    runs.add_argument("--state", metavar="PATH|URL", help="state store (default: as `newscrawl export`)")
    runs.add_argument("--release-node", metavar="NODE", help="free every article the dead runs of NODE hold, in "
                      "doubt included (refused while a run of NODE is alive)")
    runs.add_argument("--node", help="this machine's node id (default: $NEWSCRAWL_NODE_ID, else the host name)")
    runs.add_argument("--data-dir", help="this node's data dir, where its run locks are (default: $NEWSCRAWL_DATA_DIR)")
    runs.set_defaults(handler=command_runs)
