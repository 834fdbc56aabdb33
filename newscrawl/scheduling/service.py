"""The recurring scheduler service (`newscrawl schedule`; docs/scheduling.md).

scrapyd has no recurring scheduler of its own. This is one: an APScheduler cron (or
fixed interval) in Asia/Seoul time that runs a tick (newscrawl.scheduling.trigger):
it skips a tick while a job of the spider is still pending or running, retries with
backoff while scrapyd is down, and stops cleanly on SIGTERM or Ctrl-C.
"""
from __future__ import annotations

import logging
import signal
import threading
from typing import Sequence

from newscrawl.scheduling.trigger import Trigger, with_retries

logger = logging.getLogger("newscrawl.scheduling")

DEFAULT_TIMEZONE = "Asia/Seoul"


def run_service(trigger: Trigger, *, cron: str | None = None, every: float | None = None,
                timezone: str = DEFAULT_TIMEZONE, retry_delays: Sequence[float] = (5, 15, 45)) -> int:
    """Run ticks on a cron expression or every N seconds until SIGTERM/SIGINT; exit status."""
    from zoneinfo import ZoneInfo

    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    zone = ZoneInfo(timezone)
    timing = CronTrigger.from_crontab(cron, timezone=zone) if cron else IntervalTrigger(seconds=every, timezone=zone)
    scheduler = BlockingScheduler(timezone=zone)
    stopping = threading.Event()
    # One tick at a time; a tick missed while the previous one retried is dropped.
    scheduler.add_job(with_retries, timing, args=(trigger, retry_delays, stopping), id="crawl",
                      max_instances=1, coalesce=True, misfire_grace_time=60)

    def shut_down(signum, frame):
        logger.info("received %s: stopping the scheduler", signal.Signals(signum).name)
        stopping.set()
        for client in trigger.clients:  # a node that trickles its answer does not hold the stop
            client.abort()
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    when = f"cron '{cron}' ({timezone})" if cron else f"every {every:g} s"
    logger.info("scheduling %s/%s on %s at %s", trigger.project, trigger.spider,
                ", ".join(client.url for client in trigger.clients), when)
    scheduler.start()
    logger.info("scheduler stopped")
    return 0
