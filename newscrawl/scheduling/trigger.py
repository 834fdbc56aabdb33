"""One tick of the schedule: a crawl on a scrapyd node that is up and idle, with retries
while scrapyd is down (`newscrawl trigger` runs one, for plain cron).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Callable, Sequence

from newscrawl.scheduling.client import CredentialsError, ScrapydClient, ScrapydError

logger = logging.getLogger("newscrawl.scheduling")


@dataclass
class Trigger:
    """One tick: schedule the spider on a scrapyd node that is up and idle (no job of
    the spider pending or running there). Nodes that are down are passed over; all busy:
    the tick is skipped; all down: ScrapydError (the caller retries). Several nodes share
    one state store (PostgreSQL), so crawls on two of them never fetch an article twice."""

    clients: list[ScrapydClient]
    project: str = "newscrawl"
    spider: str = "yonhap"
    arguments: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)

    def busy_job(self, client: ScrapydClient) -> dict | None:
        jobs = client.list_jobs(self.project)
        for state in ("running", "pending"):
            for job in jobs.get(state, []):
                if job.get("spider") == self.spider:
                    return dict(job, state=state)
        return None

    def __call__(self) -> str:
        """"scheduled <job id>" or "skipped: ..."; ScrapydError when no node answers."""
        busy, down = [], []
        for client in self.clients:
            try:
                job = self.busy_job(client)
                if job is not None:
                    busy.append((client, job))
                    continue
                job_id = client.schedule(self.project, self.spider, self.arguments, self.settings)
            except CredentialsError:
                raise  # wrong credentials are not a node that is down
            except ScrapydError as error:
                down.append(error)
                logger.warning("%s; passed over this tick", error)
                continue
            where = f" on {client.url}" if len(self.clients) > 1 else ""
            logger.info("scheduled %s job %s%s", self.spider, job_id, where)
            return f"scheduled {job_id}{where}"
        if busy:
            client, job = busy[0]
            where = f" on {client.url} (every node that is up is busy)" if len(self.clients) > 1 else ""
            message = f"skipped: job {job['id']} of {self.spider} is still {job['state']}{where}"
            logger.info(message)
            return message
        raise down[-1]


def with_retries(action: Callable[[], str], delays: Sequence[float], stop: threading.Event | None = None) -> str | None:
    """action(), retried after each delay while scrapyd fails; None if it never worked.
    Wrong credentials are not retried. `stop` cuts the waiting short (shutdown)."""
    stop = stop or threading.Event()
    for attempt, delay in enumerate([*delays, None], start=1):
        try:
            return action()
        except CredentialsError as error:
            logger.error("%s", error)
            return None
        except ScrapydError as error:
            if delay is None:
                logger.error("%s; giving up after %d attempts, next tick tries again", error, attempt)
                return None
            logger.warning("%s; retrying in %g s", error, delay)
            if stop.wait(delay):
                return None
    return None
