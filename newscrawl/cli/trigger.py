"""`newscrawl trigger`: one crawl on scrapyd unless one is pending or running (for cron)."""
from __future__ import annotations

import argparse
import sys

from newscrawl.cli.common import PROG, scrapyd_options, service_logging, trigger_from_args


def command_trigger(args: argparse.Namespace) -> int:
    from newscrawl.scheduling.client import ScrapydError

    service_logging()
    try:
        trigger = trigger_from_args(args)
    except ValueError as error:
        print(f"{PROG} trigger: {error}", file=sys.stderr)
        return 2
    try:
        outcome = trigger()
    except ScrapydError as error:
        print(f"{PROG} trigger: {error}", file=sys.stderr)
        return 1
    print(outcome)
    return 0


def add_parser(commands) -> None:
    trigger = commands.add_parser(
        "trigger",
        help="schedule one crawl on scrapyd unless one is pending or running (for cron)",
        description="Ask scrapyd (schedule.json) for one crawl, unless a job of the spider is still pending or "
        "running. Prints 'scheduled JOB' or 'skipped: ...'. Exit 1 when scrapyd fails, 2 for bad options.",
    )
    scrapyd_options(trigger)
    trigger.set_defaults(handler=command_trigger)
