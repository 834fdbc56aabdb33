"""The SQLite backend: one file (NEWSCRAWL_STATE_PATH), the embedded default.

The schema is versioned with SQLite's user_version and migrated forward in place
(MIGRATIONS). A missing store is created empty; a store that is not a newscrawl state
database, is corrupt, or was written by a newer newscrawl raises StateStoreError with
what to do about it. Several crawls may use one store at once (claims, in
newscrawl.state.base); SQLite serialises their writes (WAL, a busy timeout). The file
is opened by its real path: a symlink names the same store. Reading commands open
it read-only (`read_only=True`). A SQLite store is one machine's: its runs' locks are
flock'ed files beside it (`<store>.runs/run-N.lock`), seen by every crawl using it.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import time
from pathlib import Path

from newscrawl.state.base import MIGRATIONS, SCHEMA, SCHEMA_VERSION, TABLES, Store, StateStoreError, default_node

logger = logging.getLogger(__name__)


def _corrupt(path: Path, error: Exception | str) -> StateStoreError:
    return StateStoreError(
        f"state store {path} is not a usable newscrawl state database ({error}). "
        "Restore it from a backup, or move it aside to start afresh (the next crawl then "
        "treats every article as new and exports it again)."
    )


def _unwritable(path: Path) -> str | None:
    """Why this user cannot write the store at `path` (SQLite also makes its -wal and
    -shm files, and the run locks' folder, beside it), or None."""
    if os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK):
        return None
    import pwd

    def name(uid: int) -> str:
        try:
            return pwd.getpwuid(uid).pw_name
        except KeyError:
            return f"uid {uid}"

    me, owner = os.geteuid(), path.stat().st_uid
    what = "it" if not os.access(path, os.W_OK) else f"its directory {path.parent}"
    return (f"cannot be written by user {name(me)} (uid {me}): {what} belongs to {name(owner)} and is not writable "
            f"for {name(me)}. Run the crawl as {name(owner)}, or give {name(me)} write access to the store and its "
            "directory; the store itself is fine")


def real_path(path: str | os.PathLike) -> Path:
    """The store's path with symlinks resolved: one store, however it is named."""
    return Path(os.path.realpath(path))


class SQLiteStore(Store):
    """The store at `path`; `read_only=True` opens it for reading only (nothing
    created or changed). `node` names this machine's crawls (NEWSCRAWL_NODE_ID);
    `lock_dir` is not taken: a SQLite store's run locks are always beside it."""

    def __init__(self, path: str | os.PathLike, *, create: bool = True, read_only: bool = False,
                 node: str | None = None, lock_dir: str | os.PathLike | None = None, busy_seconds: float = 30.0):
        self.path = Path(path)  # as named, for messages
        self.real_path = real_path(path)  # what is opened
        self.read_only = read_only
        self.node = node or default_node()
        self.lock_dir = Path(f"{self.real_path}.runs")
        self.busy_seconds = busy_seconds
        existed = self.path.is_file() and self.path.stat().st_size > 0
        if self.path.exists() and not self.path.is_file():
            raise StateStoreError(f"state store {self.path} is not a file")
        if not existed and (not create or read_only):
            raise StateStoreError(f"state store {self.path} does not exist")
        if existed and not read_only and (problem := _unwritable(self.real_path)):
            raise StateStoreError(f"state store {self.path} {problem}")
        try:
            if read_only:
                self.db = self._connect_read_only()
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # isolation_level=None: transactions are explicit (BEGIN ... COMMIT) below.
                self.db = sqlite3.connect(self.real_path, isolation_level=None, timeout=busy_seconds)
            self._prepare_when_free(existed)
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

    def _prepare_when_free(self, existed: bool, patience: float = 30.0) -> None:
        """_prepare, again while another crawl starting at the same moment holds the
        database (SQLite answers some schema statements, such as switching to WAL,
        with "database is locked" at once instead of waiting)."""
        deadline = time.monotonic() + patience
        while True:
            try:
                return self._prepare(existed)
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                time.sleep(0.1)
                existed = self.path.is_file() and self.path.stat().st_size > 0

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
                raise self._newer_schema(version)
            if version == 0 and not tables and not self.read_only:
                existed = False  # a new store another crawl is creating this moment: created below, once
            elif version == 0 or not TABLES <= tables:
                raise _corrupt(self.path, "it holds no newscrawl tables")
            else:
                self.version = version
                if self.read_only:
                    return  # an older store is read as it is (see _archive_columns)
                self._migrate(version)
        # WAL: readers (newscrawl export) do not block the crawl; FULL: a commit is on disk.
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        if not existed:
            # One transaction: a store is either fully created or not at all; and only
            # once, when two crawls start on a new store together.
            script = SCHEMA + "\n" + "\n".join(MIGRATIONS[v] for v in sorted(MIGRATIONS))
            self._change_schema(lambda version: version == 0, script, SCHEMA_VERSION)

    def _migrate(self, version: int) -> None:
        """Bring a store written by an older newscrawl to SCHEMA_VERSION, a version a
        transaction (a crash leaves it at the version before)."""
        for target in range(version + 1, SCHEMA_VERSION + 1):
            if self._change_schema(lambda now, target=target: now == target - 1, MIGRATIONS[target], target):
                logger.info("state store %s: schema migrated to version %d", self.path, target)
        self._migrated(version)

    def _change_schema(self, needed, script: str, version: int) -> bool:
        """Run `script` and set the schema version in one write transaction, if
        `needed(current version)` still holds once it has the write lock (another
        crawl starting at the same moment may have done it); True if it ran."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            ran = needed(db.execute("PRAGMA user_version").fetchone()[0])
            if ran:
                for statement in (part.strip() for part in script.split(";")):
                    if statement:
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {int(version)}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return ran

    @classmethod
    def check(cls, path: str | os.PathLike) -> None:
        """Raise StateStoreError if a crawl could not use the store at `path` now. A
        missing store is fine (a crawl creates it); nothing is created here."""
        if real_path(path).exists():
            cls(path, create=False).close()

    def claim_article(self, article_id: str, run_id: int) -> bool:
        # A claim commits without waiting for the disk (a claim is one a page: an fsync
        # each was a fifth of a millisecond of CPU a page). Other crawls see it at once
        # all the same, and a claim lost with the machine is harmless: its run is gone
        # with it. The next commit of this connection that matters (an intent, the rows)
        # is synchronous and takes the WAL frames before it to disk too.
        self.db.execute("PRAGMA synchronous = OFF")
        try:
            return super().claim_article(article_id, run_id)
        finally:
            self.db.execute("PRAGMA synchronous = FULL")

    def _begin(self) -> None:
        # IMMEDIATE: take the write lock now, not at the first write (no deadlock with a reader upgrading).
        self._execute("BEGIN IMMEDIATE")

    def _execute(self, sql: str, params: tuple = ()):
        try:
            return super()._execute(sql, params)
        except sqlite3.OperationalError as error:
            # "database is locked" past the 30 s busy timeout: another crawl holds the write
            # lock (one frozen in a write, or a long one); a write takes milliseconds.
            raise StateStoreError(f"state store {self.path}: {error} (another process held its write lock for "
                                  f"{self.busy_seconds:g} s, NEWSCRAWL_STATE_BUSY_SECONDS: a crawl frozen in a write? "
                                  "`newscrawl runs` shows the runs)") from None
