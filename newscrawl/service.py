"""Scheduled crawls through scrapyd: a small scrapyd client, the one-shot trigger,
the recurring scheduler service and the job listing (docs/scheduling.md).

scrapyd has no recurring scheduler of its own. `newscrawl schedule` is one: an
APScheduler cron (or fixed interval) in Asia/Seoul time that calls schedule.json,
skips a tick while a job of the spider is still pending or running, retries with
backoff while scrapyd is down, and stops cleanly on SIGTERM or Ctrl-C.
`newscrawl trigger` does one tick, for plain cron.

Credentials come from SCRAPYD_USERNAME / SCRAPYD_PASSWORD or from a file holding
"user:password" (--auth-file, outside the repository); they are never logged and
never taken on the command line, where `ps` would show them.
"""
from __future__ import annotations

import base64
import json
import logging
import os
import signal
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

from newscrawl.report import REPORT_SUFFIX, progress_path

logger = logging.getLogger("newscrawl.service")

DEFAULT_URL = "http://127.0.0.1:6800"
DEFAULT_TIMEZONE = "Asia/Seoul"


class ScrapydError(Exception):
    """scrapyd could not be reached or refused a call; the message says which."""


class CredentialsError(ScrapydError):
    """scrapyd answered 401: the credentials are missing or wrong (not worth retrying)."""


def read_credentials(auth_file: str | None = None, environ=os.environ) -> tuple[str, str] | None:
    """(user, password) from an auth file ("user:password") or the environment, else None."""
    if auth_file:
        path = Path(auth_file)
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ValueError(f"auth file {auth_file}: {error.strerror or error}") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            logger.warning("auth file %s can be read by other users: chmod 600 it", auth_file)
        user, sep, password = text.partition(":")
        if not sep or not user or not password:
            raise ValueError(f"auth file {auth_file}: expected one line user:password")
        return user, password
    user, password = environ.get("SCRAPYD_USERNAME", ""), environ.get("SCRAPYD_PASSWORD", "")
    if user and password:
        return user, password
    return None


@dataclass
class ScrapydClient:
    url: str = DEFAULT_URL
    credentials: tuple[str, str] | None = None
    timeout: float = 10.0

    def __post_init__(self):
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not a scrapyd URL: {self.url!r} (e.g. {DEFAULT_URL})")
        self.url = self.url.rstrip("/")

    def _call(self, endpoint: str, query: dict | None = None, form: list[tuple[str, str]] | None = None) -> dict:
        address = f"{self.url}/{endpoint}" + (f"?{urlencode(query)}" if query else "")
        request = Request(address, data=urlencode(form).encode() if form is not None else None)
        if self.credentials:
            token = base64.b64encode(":".join(self.credentials).encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except HTTPError as error:
            if error.code == 401:
                raise CredentialsError(
                    f"scrapyd at {self.url} refused the credentials (401): set SCRAPYD_USERNAME and "
                    "SCRAPYD_PASSWORD, or --auth-file") from None
            raise ScrapydError(f"scrapyd at {self.url} answered {error.code} to {endpoint}") from None
        except (URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ScrapydError(f"scrapyd at {self.url} is unreachable: {reason}") from None
        try:
            answer = json.loads(body)
        except ValueError:
            raise ScrapydError(f"scrapyd at {self.url} gave no JSON for {endpoint}") from None
        if answer.get("status") != "ok":
            raise ScrapydError(f"scrapyd {endpoint}: {answer.get('message', answer)}")
        return answer

    def list_jobs(self, project: str) -> dict:
        return self._call("listjobs.json", {"project": project})

    def schedule(self, project: str, spider: str, arguments: dict[str, str], settings: dict[str, str]) -> str:
        form = [("project", project), ("spider", spider)]
        form += [("setting", f"{name}={value}") for name, value in settings.items()]
        form += list(arguments.items())
        return self._call("schedule.json", form=form)["jobid"]


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
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    when = f"cron '{cron}' ({timezone})" if cron else f"every {every:g} s"
    logger.info("scheduling %s/%s on %s at %s", trigger.project, trigger.spider,
                ", ".join(client.url for client in trigger.clients), when)
    scheduler.start()
    logger.info("scheduler stopped")
    return 0


# -- job listing -----------------------------------------------------------------------
def report_files(data_dir: str | os.PathLike) -> list[Path]:
    """The run reports under data_dir, oldest first (a dangling symlink or a directory
    named like one is no report)."""
    found = []
    root = Path(data_dir)
    for path in root.rglob(f"*{REPORT_SUFFIX}") if root.is_dir() else ():
        try:
            if path.is_file():
                found.append((path.stat().st_mtime, path))
        except OSError:
            continue
    return [path for _, path in sorted(found)]


def find_reports(data_dir: str | os.PathLike) -> dict[str, Path]:
    """job id -> its run report under data_dir (the newest if several)."""
    return {path.name[: -len(REPORT_SUFFIX)].rsplit("-", 1)[-1]: path for path in report_files(data_dir)}


def read_progress(data_dir: str | os.PathLike, job: str) -> str | None:
    """The latest progress line a running crawl wrote (newscrawl.report.ProgressLog)."""
    try:
        return json.loads(progress_path(data_dir, job).read_text(encoding="utf-8")).get("line")
    except (OSError, ValueError, AttributeError):
        return None


def job_rows(jobs: dict, reports: dict[str, Path], progress: Callable[[str], str | None] = lambda job: None) -> list[dict]:
    """One row per scrapyd job, newest first, with what its report says (and, for a
    running job, its latest progress line)."""
    rows = []
    for state in ("running", "pending", "finished"):
        for job in jobs.get(state, []):
            row = {"state": state, "job": job.get("id", ""), "spider": job.get("spider", ""),
                   "start": (job.get("start_time") or "")[:19], "end": (job.get("end_time") or "")[:19],
                   "items": None, "healthy": None, "failed_checks": [], "feed": None, "report": None,
                   "progress": progress(job.get("id", "")) if state == "running" else None}
            report_path = reports.get(row["job"])
            if report_path:
                try:
                    report = json.loads(report_path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    report = {}
                row.update(items=report.get("items_exported"), healthy=report.get("healthy"),
                           failed_checks=report.get("failed_checks", []), report=str(report_path),
                           feed=next((f.get("path") or f.get("uri") for f in report.get("feeds", [])), None))
            rows.append(row)
    return sorted(rows, key=lambda r: (r["state"] != "finished", r["start"]), reverse=True)


def format_job_rows(rows: list[dict]) -> str:
    def health(row):
        if row["state"] != "finished":
            return row.get("progress") or "-"
        if row["report"] is None:
            return "NO REPORT (failed to start? see its log)"
        if row["healthy"] is None:
            return "unchecked"
        return "ok" if row["healthy"] else "FAILED: " + ", ".join(row["failed_checks"])

    table = [("STATE", "JOB", "SPIDER", "START", "ITEMS", "HEALTH", "FEED")]
    for row in rows:
        table.append((row["state"], row["job"], row["spider"], row["start"],
                      "-" if row["items"] is None else str(row["items"]), health(row), row["feed"] or "-"))
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]) - 1)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)) + "  " + line[-1]
                     for line in table)


__all__ = ["CredentialsError", "ScrapydClient", "ScrapydError", "Trigger", "find_reports", "format_job_rows",
           "job_rows", "read_credentials", "run_service", "with_retries"]
