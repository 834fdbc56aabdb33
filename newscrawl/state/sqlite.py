"""The SQLite backend: one file (NEWSCRAWL_STATE_PATH), the embedded default.

The schema is versioned with SQLite's user_version and migrated forward in place
(MIGRATIONS). A missing store is created empty; a store that is not a newscrawl state
database, is corrupt, or was written by a newer newscrawl raises StateStoreError with
what to do about it. A lock file next to the store (its real path: a symlink leads to
the same lock) keeps two crawls from using it at once. Reading commands open it
read-only (`read_only=True`), without the lock.
"""
from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
from pathlib import Path

from newscrawl.state.base import MIGRATIONS, SCHEMA, SCHEMA_VERSION, TABLES, Store, StateStoreError

logger = logging.getLogger(__name__)


def _corrupt(path: Path, error: Exception | str) -> StateStoreError:
    return StateStoreError(
        f"state store {path} is not a usable newscrawl state database ({error}). "
        "Restore it from a backup, or move it aside to start afresh (the next crawl then "
        "treats every article as new and exports it again)."
    )


class _ProcessLock:
    """An exclusive flock on a store's lock file, shared within this process: the
    crawl command takes it before the crawl starts, the crawl's extension again."""

    _held: dict[Path, list] = {}  # lock path -> [open file, holders]

    def __init__(self, store_path: Path):
        self.path = store_path.with_name(store_path.name + ".lock")
        held = self._held.get(self.path)
        if held is not None:
            held[1] += 1
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "a")
        except OSError as error:
            raise StateStoreError(f"state store lock {self.path} cannot be created: {error}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StateStoreError(
                f"another crawl is using the state store {store_path} (lock {self.path}); wait for it to finish"
            ) from None
        self._held[self.path] = [handle, 1]

    def release(self) -> None:
        held = self._held.get(self.path)
        if held is None:
            return
        held[1] -= 1
        if held[1] == 0:
            held[0].close()
            del self._held[self.path]


def real_path(path: str | os.PathLike) -> Path:
    """The store's path with symlinks resolved: one store, one lock, however it is named."""
    return Path(os.path.realpath(path))


class SQLiteStore(Store):
    """The store at `path`; `lock=True` holds the crawl lock until close();
    `read_only=True` opens it for reading only (no lock, nothing created or changed)."""

    def __init__(self, path: str | os.PathLike, *, lock: bool = True, create: bool = True, read_only: bool = False):
        self.path = Path(path)  # as named, for messages
        self.real_path = real_path(path)  # what is opened and locked
        self.read_only = read_only
        self._lock: _ProcessLock | None = None
        existed = self.path.is_file() and self.path.stat().st_size > 0
        if self.path.exists() and not self.path.is_file():
            raise StateStoreError(f"state store {self.path} is not a file")
        if not existed and (not create or read_only):
            raise StateStoreError(f"state store {self.path} does not exist")
        if lock and not read_only:
            self._lock = _ProcessLock(self.real_path)
        try:
            if read_only:
                self.db = self._connect_read_only()
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # isolation_level=None: transactions are explicit (BEGIN ... COMMIT) below.
                self.db = sqlite3.connect(self.real_path, isolation_level=None, timeout=30)
            self._prepare(existed)
        except sqlite3.DatabaseError as error:
            self.close()
            if read_only and isinstance(error, sqlite3.OperationalError):
                raise StateStoreError(f"state store {self.path} cannot be opened for reading: {error}") from None
            raise _corrupt(self.path, error) from None
        except StateStoreError:
            self.close()
            raise
        except OSError as error:
            self.close()
            raise StateStoreError(f"state store {self.path} cannot be opened: {error}") from None
        if not existed:
            logger.info("state store %s did not exist: started empty (every article counts as new)", self.path)

    def _connect_read_only(self) -> sqlite3.Connection:
        if not os.access(self.path, os.R_OK):
            raise StateStoreError(f"state store {self.path} cannot be opened for reading: permission denied")
        uri = self.real_path.as_uri()
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, timeout=30)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            # A WAL store in a directory this user cannot write: SQLite cannot make the
            # shared-memory file, so the file is read as it is on disk.
            db.close()
            db = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)
        return db

    def _prepare(self, existed: bool) -> None:
        db = self.db
        if existed:
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise _corrupt(self.path, f"integrity check: {check}")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if version > SCHEMA_VERSION:
                raise StateStoreError(
                    f"state store {self.path} has schema version {version}, newer than this "
                    f"newscrawl understands ({SCHEMA_VERSION}); upgrade newscrawl"
                )
            if version == 0 or not TABLES <= tables:
                raise _corrupt(self.path, "it holds no newscrawl tables")
            self.version = version
            if self.read_only:
                return  # an older store is read as it is (see _archive_columns)
            self._migrate(version)
        # WAL: readers (newscrawl export) do not block the crawl; FULL: a commit is on disk.
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        if not existed:
            # One transaction: a store is either fully created or not at all.
            migrations = "\n".join(MIGRATIONS[v] for v in sorted(MIGRATIONS))
            db.executescript(f"BEGIN;\n{SCHEMA}\n{migrations}\nPRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;")

    def _migrate(self, version: int) -> None:
        """Bring a store written by an older newscrawl to SCHEMA_VERSION, a version a
        transaction (a crash leaves it at the version before)."""
        for target in range(version + 1, SCHEMA_VERSION + 1):
            self.db.executescript(f"BEGIN;\n{MIGRATIONS[target]}\nPRAGMA user_version = {target};\nCOMMIT;")
            logger.info("state store %s: schema migrated to version %d", self.path, target)
        self.version = SCHEMA_VERSION

    @classmethod
    def claim(cls, path: str | os.PathLike) -> _ProcessLock:
        """Take the crawl lock of the store at `path` for this process, and raise
        StateStoreError if a crawl could not use the store. The caller releases the
        lock once its crawl is over; the crawl's own StateStore shares it meanwhile.

        A missing store is fine (a crawl creates it); only the lock file is created.
        """
        target = real_path(path)
        lock = _ProcessLock(target)
        try:
            if target.exists():
                cls(path, lock=True, create=False).close()
        except BaseException:
            lock.release()
            raise
        return lock

    def _begin(self) -> None:
        # IMMEDIATE: take the write lock now, not at the first write (no deadlock with a reader upgrading).
        self.db.execute("BEGIN IMMEDIATE")
