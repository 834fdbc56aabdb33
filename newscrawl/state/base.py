"""The state store's interface and what its backends share (no Scrapy import).

Each exported article version is a row: article_id, story_id, revision, a hash of its
content, when it was first and last exported, the exported record itself (zlib JSON)
and where its page is archived. Runs and the feed files each run wrote are recorded
too: after a crash, the rows already in those files are taken into the store before
anything else happens (`recover_unfinished_runs`), so a row is never exported twice
and never lost.

A backend (sqlite, postgres) opens its database, keeps its schema up to date and
checks it can be used; the queries here are the same for both (SQL with `?`
placeholders, which a backend may translate).
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import zlib
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from newscrawl.text.times import utc_now

SCHEMA_VERSION = 5
SCHEMA = """
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
# Crawls sharing a store: an article a crawl is about to fetch is claimed for a lease;
# a live run renews its leases and `alive_until` (heartbeats). Same SQL in both backends.
# `host` and `pid` let a crawl on the same machine see at once that a run's process is gone.
CLAIMS_SCHEMA = ("CREATE TABLE claims (article_id TEXT PRIMARY KEY, run_id BIGINT NOT NULL, expires_at TEXT NOT NULL); "
                 "ALTER TABLE runs ADD COLUMN alive_until TEXT; ALTER TABLE runs ADD COLUMN host TEXT; "
                 "ALTER TABLE runs ADD COLUMN pid INTEGER;")
# For analysts querying the store with SQL (psql, sqlite3, pandas.read_sql): the fields
# they look for as columns beside the compressed record, and one row per story at its
# highest revision. Rows stored before version 5 get the columns from their records
# when the store is migrated (Store.fill_analyst_columns).
ANALYST_COLUMNS = ("headline", "url", "section")
ANALYST_SCHEMA = (
    "ALTER TABLE articles ADD COLUMN headline TEXT; ALTER TABLE articles ADD COLUMN url TEXT; "
    "ALTER TABLE articles ADD COLUMN section TEXT; "
    "CREATE VIEW latest_stories AS SELECT story_id, article_id, revision, headline, url, section, published_at, "
    "first_seen, last_seen FROM (SELECT articles.*, row_number() OVER (PARTITION BY story_id "
    "ORDER BY revision DESC, published_at DESC, article_id DESC) AS rank FROM articles) AS ranked WHERE rank = 1;"
)
MIGRATIONS = {
    # Where each run started writing its feed file: recovery reads only that run's rows
    # of a feed appended to by many runs.
    2: "ALTER TABLE run_feeds ADD COLUMN start_offset INTEGER NOT NULL DEFAULT 0;",
    # Where each exported version's page is archived (newscrawl.warc): the WARC file,
    # the response record's offset and length. Empty when it was not archived.
    3: "ALTER TABLE articles ADD COLUMN warc_path TEXT; ALTER TABLE articles ADD COLUMN warc_offset INTEGER; "
       "ALTER TABLE articles ADD COLUMN warc_length INTEGER;",
    4: CLAIMS_SCHEMA,
    5: ANALYST_SCHEMA,
}
TABLES = {"articles", "runs", "run_feeds"}
# Not part of the content: it changes on every fetch.
_VOLATILE_FIELDS = ("crawled_at",)


class StateStoreError(Exception):
    """The state store cannot be used; the message says why and what to do."""


def default_state_path(data_dir: str | os.PathLike) -> str:
    return os.path.join(data_dir, "state", "newscrawl.sqlite3")


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


def _analyst_values(record: dict) -> tuple[str, ...]:
    """A record's ANALYST_COLUMNS, as stored beside it."""
    return tuple(str(record.get(name) or "") for name in ANALYST_COLUMNS)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


class Store:
    """What every backend offers; subclasses set `db` (a DB-API connection whose
    `execute` returns a cursor), `version` (the schema version as opened) and `path`
    (the store as named in messages), and implement `_begin` and `check`."""

    PLACEHOLDER = "?"
    version = SCHEMA_VERSION
    read_only = False

    def _execute(self, sql: str, params: tuple = ()):
        if self.PLACEHOLDER != "?":
            sql = sql.replace("?", self.PLACEHOLDER)
        return self.db.execute(sql, params)

    def _begin(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        self.db.execute("ROLLBACK")

    def _archive_columns(self) -> str:
        """The archive-location columns, or NULLs for a store from before them."""
        return "warc_path, warc_offset, warc_length" if self.version >= 3 else "NULL, NULL, NULL"

    # -- reading -----------------------------------------------------------------
    def is_exported(self, article_id: str) -> bool:
        return self._execute("SELECT 1 FROM articles WHERE article_id = ?", (article_id,)).fetchone() is not None

    def archived_at(self, article_id: str) -> tuple[str, int, int] | None:
        """Where the exported version's page is archived (WARC path, offset, length)."""
        row = self._execute(f"SELECT {self._archive_columns()} FROM articles WHERE article_id = ?",
                            (article_id,)).fetchone()
        return tuple(row) if row and row[0] else None

    def count(self) -> int:
        return self._execute("SELECT count(*) FROM articles").fetchone()[0]

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
                " FROM articles) AS ranked WHERE rank = 1 ORDER BY published_at, story_id"
            )
        else:
            query = f"SELECT {columns} FROM articles ORDER BY published_at, story_id, revision, article_id"
        for blob, path, offset, length in self._execute(query):
            record = json.loads(zlib.decompress(blob))
            yield (record, (path, offset, length) if path else None) if with_locations else record

    # -- runs and feeds ------------------------------------------------------------
    def begin_run(self, lease_seconds: float | None = None) -> int:
        """A new run; with a lease, alive until then unless renewed (`heartbeat`)."""
        until = utc_now(lease_seconds) if lease_seconds else None
        return self._execute("INSERT INTO runs (started_at, alive_until, host, pid) VALUES (?, ?, ?, ?) RETURNING run_id",
                             (utc_now(), until, socket.gethostname(), os.getpid())).fetchone()[0]

    def add_feed(self, run_id: int, path: str, fmt: str, start_offset: int = 0) -> None:
        """Record a feed file before anything is written to it, with the offset the
        run's rows start at (crash recovery reads from there)."""
        self._execute("INSERT INTO run_feeds (run_id, path, format, start_offset) VALUES (?, ?, ?, ?)",
                        (run_id, path, fmt, start_offset))

    def finish_run(self, run_id: int, reason: str) -> None:
        self._execute("UPDATE runs SET finished_at = ?, finish_reason = ? WHERE run_id = ?", (utc_now(), reason, run_id))
        # What it exported is in `articles` now; what it did not is free for others.
        self._execute("DELETE FROM claims WHERE run_id = ?", (run_id,))

    def _newer_schema(self, version: int) -> StateStoreError:
        return StateStoreError(f"state store {self.path} has schema version {version}, newer than this newscrawl "
                               f"understands ({SCHEMA_VERSION}); upgrade newscrawl")

    def _migrated(self, from_version: int) -> None:
        """What is left once a migration's statements ran: the store is at SCHEMA_VERSION,
        and rows stored before version 5 get their analyst columns."""
        self.version = SCHEMA_VERSION
        if from_version < 5:
            self.fill_analyst_columns()

    def fill_analyst_columns(self) -> None:
        """Give rows stored before schema version 5 their headline, url and section."""
        rows = self._execute("SELECT article_id, record FROM articles WHERE headline IS NULL").fetchall()
        self._begin()
        try:
            for article_id, blob in rows:
                record = json.loads(zlib.decompress(blob))
                self._execute("UPDATE articles SET headline = ?, url = ?, section = ? WHERE article_id = ?",
                              (*_analyst_values(record), article_id))
            self._execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    # -- sharing the store between crawls ------------------------------------------
    def claim_article(self, article_id: str, run_id: int, lease_seconds: float) -> bool:
        """True if this run may fetch the article: nobody held it, or this run does, or
        the holder's run is over (finished, or found dead and its rows recovered, so
        what it wrote is in the store). Whether it was exported is the caller's
        question (`is_exported`)."""
        cursor = self._execute(
            "INSERT INTO claims (article_id, run_id, expires_at) VALUES (?, ?, ?)"
            " ON CONFLICT (article_id) DO UPDATE SET run_id = excluded.run_id, expires_at = excluded.expires_at"
            " WHERE claims.run_id = excluded.run_id OR NOT EXISTS ("
            "SELECT 1 FROM runs WHERE runs.run_id = claims.run_id AND runs.finished_at IS NULL)",
            (article_id, run_id, utc_now(lease_seconds)))
        return cursor.rowcount > 0

    def heartbeat(self, run_id: int, lease_seconds: float) -> None:
        """This run is alive: its leases and its own lease are renewed."""
        until = utc_now(lease_seconds)
        self._execute("UPDATE runs SET alive_until = ? WHERE run_id = ?", (until, run_id))
        self._execute("UPDATE claims SET expires_at = ? WHERE run_id = ?", (until, run_id))

    def dead_runs(self) -> list[int]:
        """Runs that never finished and whose crawl is gone: its lease ran out (killed
        or crashed anywhere), or its process on this machine no longer exists. A run
        still alive is another crawl's."""
        now, here = utc_now(), socket.gethostname()
        rows = self._execute("SELECT run_id, alive_until, host, pid FROM runs WHERE finished_at IS NULL").fetchall()
        return [run_id for run_id, alive_until, host, pid in rows
                if alive_until is None or alive_until < now or (host == here and pid and not _process_exists(pid))]

    def unfinished_feeds(self, dead: Iterable[int] | None = None) -> list[FeedFile]:
        """The feed files of dead runs (`dead_runs`, unless given)."""
        dead = set(self.dead_runs() if dead is None else dead)
        rows = self._execute("SELECT f.run_id, f.path, f.format, f.start_offset FROM run_feeds f JOIN runs r"
                             " USING (run_id) WHERE r.finished_at IS NULL ORDER BY f.run_id, f.path")
        return [FeedFile(*row) for row in rows if row[0] in dead]

    def recover_unfinished_runs(self, read_feed: Callable[[FeedFile], Iterable[dict]]) -> int:
        """Take the rows in the feed files of runs that never finished (a crash, a
        kill) into the store; returns how many were new to it."""
        dead = self.dead_runs()
        recovered = self.record(r for feed in self.unfinished_feeds(dead) for r in read_feed(feed))
        # Every dead run, with feeds or without (one killed before its first row); its
        # claims are free now that what it wrote is in the store.
        for run_id in dead:
            self.finish_run(run_id, "interrupted; the rows in its feed files were taken into the store")
        return recovered

    # -- writing -------------------------------------------------------------------
    def record(self, records: Iterable[dict], run_id: int | None = None, locations: dict | None = None) -> int:
        """Store exported records in one transaction; returns how many article ids
        were new. A record already stored is updated (content, last_seen).
        `locations`: article_id -> where its page is archived (path, offset, length)."""
        locations = locations or {}
        now = utc_now()
        new = 0
        self._begin()
        try:
            for record in records:
                article_id = record.get("article_id")
                if not article_id:
                    continue
                blob = zlib.compress(json.dumps(record, ensure_ascii=False).encode("utf-8"))
                where = locations.get(article_id)
                values = (record.get("story_id") or article_id[:15], _whole_number(record.get("revision")),
                          content_hash(record), record.get("published_at") or "", *_analyst_values(record), now, blob,
                          *((str(where[0]), where[1], where[2]) if where else (None, None, None)), article_id)
                # A version exported again without an archived page keeps where its page was archived.
                updated = self._execute(
                    "UPDATE articles SET story_id = ?, revision = ?, content_hash = ?, published_at = ?, headline = ?,"
                    " url = ?, section = ?, last_seen = ?, record = ?, warc_path = COALESCE(?, warc_path),"
                    " warc_offset = COALESCE(?, warc_offset), warc_length = COALESCE(?, warc_length)"
                    " WHERE article_id = ?", values)
                if updated.rowcount == 0:
                    self._execute(
                        "INSERT INTO articles (story_id, revision, content_hash, published_at, headline, url, section,"
                        " last_seen, record, warc_path, warc_offset, warc_length, article_id, first_seen)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*values, now))
                    new += 1
            if run_id is not None:
                self._execute("UPDATE runs SET exported = exported + ? WHERE run_id = ?", (new, run_id))
            self._execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        return new

    def record_with_locations(self, versions: Iterable[tuple[dict, tuple | None]], run_id: int | None = None) -> int:
        """`record` for (record, where its page is archived or None) pairs, as
        `records(with_locations=True)` yields them."""
        versions = list(versions)
        return self.record((record for record, _ in versions), run_id,
                           {record["article_id"]: where for record, where in versions if where})

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            db.close()
            self.db = None
