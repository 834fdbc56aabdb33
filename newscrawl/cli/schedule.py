"""`newscrawl schedule`: the recurring scheduler service."""
from __future__ import annotations

import argparse
import sys

from newscrawl.cli.common import PROG, scrapyd_options, service_logging, trigger_from_args


def command_schedule(args: argparse.Namespace) -> int:
    service_logging()
    if bool(args.cron) == bool(args.every):
        print(f"{PROG} schedule: give one of --cron or --every", file=sys.stderr)
        return 2
    try:
        trigger = trigger_from_args(args)
        retry_delays = [float(part) for part in args.retry_delays.split(",") if part.strip()]
        from newscrawl.scheduling.service import run_service

        if args.cron:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(args.cron)  # a bad expression fails here, not at the first tick
            except ValueError as error:
                raise ValueError(f"--cron {args.cron!r}: {error}") from None
        if args.every is not None and args.every <= 0:
            raise ValueError("--every takes a number of seconds above 0")
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(args.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {args.timezone!r}") from None
    except ImportError:
        print(f"{PROG} schedule: needs APScheduler: pip install 'newscrawl[service]'", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"{PROG} schedule: {error}", file=sys.stderr)
        return 2
    from newscrawl.scheduling.lock import SchedulerLock, SchedulerRunning
    from newscrawl.settings import NEWSCRAWL_DATA_DIR, NEWSCRAWL_STATE_URL
    from newscrawl.state import StateStoreError

    lock = SchedulerLock([client.url for client in trigger.clients], NEWSCRAWL_STATE_URL, NEWSCRAWL_DATA_DIR)
    try:
        lock.acquire()
    except (SchedulerRunning, StateStoreError) as error:
        print(f"{PROG} schedule: {error}", file=sys.stderr)
        return 1
    try:
        return run_service(trigger, cron=args.cron, every=args.every, timezone=args.timezone,
                           retry_delays=retry_delays)
    finally:
        lock.release()


def add_parser(commands) -> None:
    schedule = commands.add_parser(
        "schedule",
        help="the recurring scheduler service: crawl on scrapyd on a cron schedule",
        description="Run until SIGTERM/Ctrl-C, scheduling a crawl on scrapyd at each tick of a cron expression "
        "(in Asia/Seoul time by default) or every N seconds. A tick is skipped while a job of the spider is "
        "pending or running; while scrapyd is down the tick is retried with backoff.",
    )
    scrapyd_options(schedule)
    schedule.add_argument("--cron", metavar="'MIN HOUR DOM MON DOW'", help="e.g. '*/15 * * * *' for every 15 minutes")
    schedule.add_argument("--every", type=float, metavar="SECONDS", help="a fixed interval instead of --cron")
    schedule.add_argument("--timezone", default="Asia/Seoul", help="time zone of --cron (default: %(default)s)")
    schedule.add_argument("--retry-delays", default="5,15,45", metavar="S,S,...",
                          help="seconds to wait before each retry while scrapyd is down (default: %(default)s)")
    schedule.set_defaults(handler=command_schedule)
