"""The incremental-crawl state store: which article versions were exported (no Scrapy import).

One SQLite file (NEWSCRAWL_STATE_PATH). Each exported article version is a row: its
article_id, story_id, revision, a hash of its content, when it was first and last
exported, and the exported record itself (zlib-compressed JSON), so the latest view
of every story can be written without the feed files. Runs and the feed files each
run wrote are recorded too: after a crash, the rows already in those files are taken
into the store before anything else happens (`recover_unfinished_runs`), so a row is
never exported twice and never lost.

The schema is versioned with SQLite's user_version. A missing store is created empty;
a store that is not a newscrawl state database, is corrupt, or was written by a newer
newscrawl raises StateStoreError with what to do about it. A lock file next to the
store keeps two crawls from using it at once.
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

SCHEMA_VERSION = 1
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


@dataclass(frozen=True)
class FeedFile:
    run_id: int
    path: str
    format: str  # a Scrapy feed format: jsonlines, json, csv, ...


def _corrupt(path: Path, error: Exception | str) -> StateStoreError:
    return StateStoreError(
        f"state store {path} is not a usable newscrawl state database ({error}). "
        "Restore it from a backup, or move it aside to start afresh (the next crawl then "
        "treats every article as new and exports it again)."
    )


class StateStore:
    """The store at `path`; `lock=True` holds the crawl lock until close()."""

    def __init__(self, path: str | os.PathLike, *, lock: bool = True, create: bool = True):
        self.path = Path(path)
        self._lock_handle = None
        existed = self.path.is_file() and self.path.stat().st_size > 0
        if self.path.exists() and not self.path.is_file():
            raise StateStoreError(f"state store {self.path} is not a file")
        if not existed and not create:
            raise StateStoreError(f"state store {self.path} does not exist")
        if lock:
            self._take_lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are explicit (BEGIN ... COMMIT) below.
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self._prepare(existed)
        except sqlite3.DatabaseError as error:
            self.close()
            raise _corrupt(self.path, error) from None
        except StateStoreError:
            self.close()
            raise
        except OSError as error:
            self.close()
            raise StateStoreError(f"state store {self.path} cannot be opened: {error}") from None
        if not existed:
            logger.info("state store %s did not exist: started empty (every article counts as new)", self.path)

    def _take_lock(self) -> None:
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(lock_path, "a")
        except OSError as error:
            raise StateStoreError(f"state store lock {lock_path} cannot be created: {error}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StateStoreError(
                f"another crawl is using the state store {self.path} (lock {lock_path}); "
                "wait for it to finish"
            ) from None
        self._lock_handle = handle

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
        # WAL: readers (newscrawl export) do not block the crawl; FULL: a commit is on disk.
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        if not existed:
            # One transaction: a store is either fully created or not at all.
            db.executescript(f"BEGIN;\n{_SCHEMA}\nPRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;")

    @classmethod
    def check(cls, path: str | os.PathLike) -> None:
        """Raise StateStoreError if a crawl could not use the store at `path` now.

        A missing store is fine (a crawl creates it); nothing is created here.
        """
        target = Path(path)
        if not target.exists():
            return
        cls(target, lock=True, create=False).close()

    # -- reading -----------------------------------------------------------------
    def is_exported(self, article_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE article_id = ?", (article_id,)).fetchone() is not None

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def records(self, latest: bool = False) -> Iterator[dict]:
        """Every exported record, or with latest=True one per story: its highest
        revision (ties: the later published_at, then the greater article_id).
        Ordered by published_at, then story_id."""
        if latest:
            query = (
                "SELECT record FROM (SELECT record, published_at, story_id, row_number() OVER ("
                " PARTITION BY story_id ORDER BY revision DESC, published_at DESC, article_id DESC) AS rank"
                " FROM articles) WHERE rank = 1 ORDER BY published_at, story_id"
            )
        else:
            query = "SELECT record FROM articles ORDER BY published_at, story_id, revision, article_id"
        for (blob,) in self.db.execute(query):
            yield json.loads(zlib.decompress(blob))

    # -- runs and feeds ------------------------------------------------------------
    def begin_run(self) -> int:
        cursor = self.db.execute("INSERT INTO runs (started_at) VALUES (?)", (utc_now(),))
        return cursor.lastrowid

    def add_feed(self, run_id: int, path: str, fmt: str) -> None:
        """Record a feed file before anything is written to it (crash recovery reads it)."""
        self.db.execute("INSERT INTO run_feeds (run_id, path, format) VALUES (?, ?, ?)", (run_id, path, fmt))

    def finish_run(self, run_id: int, reason: str) -> None:
        self.db.execute("UPDATE runs SET finished_at = ?, finish_reason = ? WHERE run_id = ?", (utc_now(), reason, run_id))

    def unfinished_feeds(self) -> list[FeedFile]:
        rows = self.db.execute(
            "SELECT f.run_id, f.path, f.format FROM run_feeds f JOIN runs r USING (run_id)"
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
    def record(self, records: Iterable[dict], run_id: int | None = None) -> int:
        """Store exported records in one transaction; returns how many article ids
        were new. A record already stored is updated (content, last_seen)."""
        now = utc_now()
        new = 0
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for record in records:
                article_id = record.get("article_id")
                if not article_id:
                    continue
                blob = zlib.compress(json.dumps(record, ensure_ascii=False).encode("utf-8"))
                values = (record.get("story_id") or article_id[:15], int(record.get("revision") or 0),
                          content_hash(record), record.get("published_at") or "", now, blob, article_id)
                updated = self.db.execute(
                    "UPDATE articles SET story_id = ?, revision = ?, content_hash = ?, published_at = ?,"
                    " last_seen = ?, record = ? WHERE article_id = ?", values)
                if updated.rowcount == 0:
                    self.db.execute(
                        "INSERT INTO articles (story_id, revision, content_hash, published_at, last_seen, record,"
                        " article_id, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (*values, now))
                    new += 1
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
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None
