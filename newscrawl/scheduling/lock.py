"""One scheduler for a set of scrapyd nodes (no Scrapy import): two `newscrawl schedule`
processes would both schedule in the same tick. A scheduler holds, for its lifetime, a
lock every scheduler of the same nodes sees: a session advisory lock in the shared
PostgreSQL store when there is one (schedulers on several hosts), else a flock in the
data dir (schedulers on one host)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from newscrawl.secrets import redacted
from newscrawl.state.locks import FileLock

# Key 1 of the advisory lock (key 2: the nodes' hash); runs and exports use others.
SCHEDULER_LOCK_SPACE = 0x6E637363  # "ncsc"
# A scheduler killed with -9 and started again at once (Restart=always) finds its old
# session's lock held for a moment: the server frees it once the backend has read the
# closed socket's EOF. A held lock is asked for again this long before the start is refused.
DYING_SESSION_WAIT = 3.0


class SchedulerRunning(Exception):
    """Another scheduler holds the lock for these nodes; the message says where."""


def nodes_key(urls: list[str]) -> str:
    return hashlib.sha256(",".join(sorted(url.rstrip("/") for url in urls)).encode()).hexdigest()[:16]


class SchedulerLock:
    """Held from `acquire` until the process ends (or `release`)."""

    def __init__(self, urls: list[str], state_url: str = "", data_dir: str | os.PathLike = "data"):
        self.key = nodes_key(urls)
        self.state_url = state_url
        self.path = Path(data_dir).absolute() / "state" / f"scheduler-{self.key}.lock"
        self._held = None

    def acquire(self) -> None:
        if self.state_url:
            from newscrawl.state.postgres import connect, waited_for

            db = connect(self.state_url)  # StateStoreError: cannot be reached
            key = (SCHEDULER_LOCK_SPACE, int(self.key[:8], 16) & 0x7FFFFFFF)
            if not waited_for(lambda: db.execute("SELECT pg_try_advisory_lock(%s, %s)", key).fetchone()[0],
                              DYING_SESSION_WAIT):
                db.close()
                raise SchedulerRunning(f"another newscrawl schedule runs for these nodes (it holds their lock in "
                                       f"state store {redacted(self.state_url)}); stop it first")
            self._held = db
            return
        lock = FileLock(self.path)
        if not lock.acquire():
            raise SchedulerRunning(f"another newscrawl schedule runs for these nodes on this host (it holds "
                                   f"{self.path}); stop it first. Schedulers on other hosts see each other only "
                                   "through a shared PostgreSQL store (NEWSCRAWL_STATE_URL)")
        self._held = lock

    def release(self) -> None:
        if isinstance(self._held, FileLock):
            self._held.release()
        elif self._held is not None:
            self._held.close()  # the session, and its lock, end
        self._held = None
