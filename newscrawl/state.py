"""The incremental-crawl state store: which article versions were exported (no Scrapy import).

One SQLite file (NEWSCRAWL_STATE_PATH). Each exported article version is a row: its
article_id, story_id, revision, a hash of its content, when it was first and last
exported, and the exported record itself (zlib-compressed JSON), so the latest view
of every story can be written without the feed files. Runs and the feed files each
run wrote are recorded too: after a crash, the rows already in those files are taken
into the store before anything else happens (`recover_unfinished_runs`), so a row is
never exported twice and never lost.

The schema is versioned with SQLite's user_version and migrated forward in place
(_MIGRATIONS). A missing store is created empty; a store that is not a newscrawl
state database, is corrupt, or was written by a newer newscrawl raises
StateStoreError with what to do about it. A lock file next to the store (its real
path: a symlink leads to the same lock) keeps two crawls from using it at once.
Reading commands open it read-only (`read_only=True`), without the lock.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 3
_SCHEMA = """
CREATE TABLE articles (
    article_id   TEXT PRIMARY KEY,
    story_id     TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    published_at TEXT NOT NULL,
    first_seen   TEXT NOT NULL,
    last_seen    TEXT NOT NULL,
    record       BLOB NOT NULL
);
CREATE INDEX articles_by_story ON articles (story_id, revision);
CREATE TABLE runs (
    run_id        INTEGER PRIMARY KEY,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    finish_reason TEXT,
    exported      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE run_feeds (
    run_id INTEGER NOT NULL REFERENCES runs (run_id),
    path   TEXT NOT NULL,
    format TEXT NOT NULL
);
"""
# Schema version -> the statements that bring a store of the version before it there.
_MIGRATIONS = {
    # Where each run started writing its feed file: recovery reads only that run's rows
    # of a feed appended to by many runs.
    2: "ALTER TABLE run_feeds ADD COLUMN start_offset INTEGER NOT NULL DEFAULT 0;",
    # Where each exported version's page is archived (newscrawl.warc): the WARC file,
    # the response record's offset and length. Empty when it was not archived.
    3: "ALTER TABLE articles ADD COLUMN warc_path TEXT; ALTER TABLE articles ADD COLUMN warc_offset INTEGER; "
       "ALTER TABLE articles ADD COLUMN warc_length INTEGER;",
}
_TABLES = {"articles", "runs", "run_feeds"}
# Not part of the content: it changes on every fetch.
_VOLATILE_FIELDS = ("crawled_at",)


class StateStoreError(Exception):
    """The state store cannot be used; the message says why and what to do."""


def default_state_path(data_dir: str | os.PathLike) -> str:
    return os.path.join(data_dir, "state", "newscrawl.sqlite3")


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def content_hash(record: dict) -> str:
    """A hash of what the record says (crawled_at left out)."""
    stable = {k: v for k, v in record.items() if k not in _VOLATILE_FIELDS}
    return hashlib.sha256(json.dumps(stable, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _whole_number(value: object) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class FeedFile:
    run_id: int
    path: str
    format: str  # a Scrapy feed format: jsonlines, json, csv, ...
    start_offset: int = 0  # the file's size when the run began writing to it


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


class StateStore:
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

    version = SCHEMA_VERSION  # of the store as opened (read-only opening does not migrate)

    def _archive_columns(self) -> str:
        """The archive-location columns, or NULLs for a store from before them."""
        return "warc_path, warc_offset, warc_length" if self.version >= 3 else "NULL, NULL, NULL"

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
            if version == 0 or not _TABLES <= tables:
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
            migrations = "\n".join(_MIGRATIONS[v] for v in sorted(_MIGRATIONS))
            db.executescript(f"BEGIN;\n{_SCHEMA}\n{migrations}\nPRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;")

    def _migrate(self, version: int) -> None:
        """Bring a store written by an older newscrawl to SCHEMA_VERSION, a version a
        transaction (a crash leaves it at the version before)."""
        for target in range(version + 1, SCHEMA_VERSION + 1):
            self.db.executescript(f"BEGIN;\n{_MIGRATIONS[target]}\nPRAGMA user_version = {target};\nCOMMIT;")
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

    # -- reading -----------------------------------------------------------------
    def is_exported(self, article_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE article_id = ?", (article_id,)).fetchone() is not None

    def archived_at(self, article_id: str) -> tuple[str, int, int] | None:
        """Where the exported version's page is archived (WARC path, offset, length)."""
        row = self.db.execute(f"SELECT {self._archive_columns()} FROM articles WHERE article_id = ?",
                              (article_id,)).fetchone()
        return tuple(row) if row and row[0] else None

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def records(self, latest: bool = False, with_locations: bool = False) -> Iterator:
        """Every exported record, or with latest=True one per story: its highest
        revision (ties: the later published_at, then the greater article_id).
        Ordered by published_at, then story_id. with_locations=True yields
        (record, (warc path, offset, length) or None) pairs."""
        columns = f"record, {self._archive_columns()}"
        if latest:
            query = (
                f"SELECT {columns} FROM (SELECT *, row_number() OVER ("
                " PARTITION BY story_id ORDER BY revision DESC, published_at DESC, article_id DESC) AS rank"
                " FROM articles) WHERE rank = 1 ORDER BY published_at, story_id"
            )
        else:
            query = f"SELECT {columns} FROM articles ORDER BY published_at, story_id, revision, article_id"
        for blob, path, offset, length in self.db.execute(query):
            record = json.loads(zlib.decompress(blob))
            yield (record, (path, offset, length) if path else None) if with_locations else record

    # -- runs and feeds ------------------------------------------------------------
    def begin_run(self) -> int:
        cursor = self.db.execute("INSERT INTO runs (started_at) VALUES (?)", (utc_now(),))
        return cursor.lastrowid

    def add_feed(self, run_id: int, path: str, fmt: str, start_offset: int = 0) -> None:
        """Record a feed file before anything is written to it, with the offset the
        run's rows start at (crash recovery reads from there)."""
        self.db.execute("INSERT INTO run_feeds (run_id, path, format, start_offset) VALUES (?, ?, ?, ?)",
                        (run_id, path, fmt, start_offset))

    def finish_run(self, run_id: int, reason: str) -> None:
        self.db.execute("UPDATE runs SET finished_at = ?, finish_reason = ? WHERE run_id = ?", (utc_now(), reason, run_id))

    def unfinished_feeds(self) -> list[FeedFile]:
        rows = self.db.execute(
            "SELECT f.run_id, f.path, f.format, f.start_offset FROM run_feeds f JOIN runs r USING (run_id)"
            " WHERE r.finished_at IS NULL ORDER BY f.run_id, f.rowid"
        )
        return [FeedFile(*row) for row in rows]

    def recover_unfinished_runs(self, read_feed: Callable[[FeedFile], Iterable[dict]]) -> int:
        """Take the rows in the feed files of runs that never finished (a crash, a
        kill) into the store; returns how many were new to it."""
        recovered = self.record(r for feed in self.unfinished_feeds() for r in read_feed(feed))
        # Every unfinished run, with feeds or without (one killed before its first row).
        self.db.execute("UPDATE runs SET finished_at = ?, finish_reason = ? WHERE finished_at IS NULL",
                        (utc_now(), "interrupted; the rows in its feed files were taken into the store"))
        return recovered

    # -- writing -------------------------------------------------------------------
    def record(self, records: Iterable[dict], run_id: int | None = None, locations: dict | None = None) -> int:
        """Store exported records in one transaction; returns how many article ids
        were new. A record already stored is updated (content, last_seen).
        `locations`: article_id -> where its page is archived (path, offset, length)."""
        locations = locations or {}
        now = utc_now()
        new = 0
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for record in records:
                article_id = record.get("article_id")
                if not article_id:
                    continue
                blob = zlib.compress(json.dumps(record, ensure_ascii=False).encode("utf-8"))
                values = (record.get("story_id") or article_id[:15], _whole_number(record.get("revision")),
                          content_hash(record), record.get("published_at") or "", now, blob, article_id)
                updated = self.db.execute(
                    "UPDATE articles SET story_id = ?, revision = ?, content_hash = ?, published_at = ?,"
                    " last_seen = ?, record = ? WHERE article_id = ?", values)
                if updated.rowcount == 0:
                    self.db.execute(
                        "INSERT INTO articles (story_id, revision, content_hash, published_at, last_seen, record,"
                        " article_id, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (*values, now))
                    new += 1
                if where := locations.get(article_id):
                    self.db.execute("UPDATE articles SET warc_path = ?, warc_offset = ?, warc_length = ?"
                                    " WHERE article_id = ?", (str(where[0]), where[1], where[2], article_id))
            if run_id is not None:
                self.db.execute("UPDATE runs SET exported = exported + ? WHERE run_id = ?", (new, run_id))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return new

    def __enter__(self) -> "StateStore":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            db.close()
            self.db = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None
