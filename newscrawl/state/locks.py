"""Run locks on this machine: a file per run, held with flock(2) for the run's lifetime
(no Scrapy import).

The kernel releases a flock when the last descriptor of the open file goes, which is
exactly when the holding process is gone (killed with -9 included), and never while it
lives (paused with SIGSTOP included). So "can I take this run's lock?" answers "is that
run's process gone?" with no pid probe (pids are reused, and a process killed with -9
still answers kill(pid, 0) while the kernel tears it down) and no clock. Two
descriptors opened separately conflict even inside one process, so two stores in one
process see each other's runs as alive too. Local files only: flock over NFS is not
to be trusted, and a lock is only as shared as the directory holding it.
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path


class FileLock:
    """An exclusive flock on `path`, taken without waiting; the file is created if
    missing unless create=False (then a missing file raises FileNotFoundError)."""

    def __init__(self, path: str | os.PathLike, create: bool = True):
        self.path = Path(path)
        self.create = create
        self._descriptor: int | None = None

    @property
    def held(self) -> bool:
        return self._descriptor is not None

    def acquire(self) -> bool:
        """True if the lock is now held by this object; False if another holds it."""
        if self._descriptor is not None:
            return True
        flags = os.O_RDWR | os.O_CLOEXEC
        if self.create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            flags |= os.O_CREAT
        descriptor = os.open(self.path, flags, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        except BaseException:
            os.close(descriptor)
            raise
        self._descriptor = descriptor
        return True

    def release(self, remove: bool = False) -> None:
        """Let the lock go; with remove=True the file goes first (while still held, so
        no one takes a lock on a file that is about to vanish and calls its run dead
        in the meantime: the run is over by then)."""
        if self._descriptor is None:
            return
        if remove:
            self.path.unlink(missing_ok=True)
        os.close(self._descriptor)
        self._descriptor = None


def run_lock_dir(data_dir: str | os.PathLike) -> Path:
    """Where a node keeps its runs' lock files: <data dir>/state/runs (a PostgreSQL store;
    a SQLite store keeps them beside itself)."""
    return Path(data_dir).absolute() / "state" / "runs"


def run_lock_path(directory: str | os.PathLike, run_id: int) -> Path:
    return Path(directory) / f"run-{int(run_id)}.lock"


def held_elsewhere(path: str | os.PathLike) -> bool:
    """True if some other open file description holds a flock on `path` now; a file
    that does not exist is held by no one (and is not created)."""
    lock = FileLock(path, create=False)
    try:
        if not lock.acquire():
            return True
    except FileNotFoundError:
        return False
    lock.release()
    return False
