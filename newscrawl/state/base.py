"""The state store's interface and what its backends share (no Scrapy import).

Each exported article version is a row: article_id, story_id, revision, a hash of its
content, when it was first and last exported, the exported record itself (zlib JSON)
and where its page is archived. Runs and the feed files each run wrote are recorded
too: after a crash, the rows already in those files are taken into the store before
anything else happens (`recover_unfinished_runs`), so a row is never exported twice
and never lost.

Several crawls share a store. Before a crawl requests an article it claims it; a
claim passes on only when its run is over. Whether a run is alive is never guessed
from a pid or a clock: each run holds a lock for its lifetime that the operating
system or the database server releases exactly when the run is gone (a flock on
this machine, newscrawl.state.locks; on PostgreSQL also a session advisory lock),
so a paused crawl stays alive and a killed one is dead at once. Before a row goes to
a feed its claim is marked with an intent (`intend`, one transaction a batch): when a
run dies, its claims without an intent are free at once, and those with one stay in
doubt until a crawl of the run's own node (NEWSCRAWL_NODE_ID), which can read its
feed files, settles them, or an operator releases the node (`release_node`).

A backend (sqlite, postgres) opens its database, keeps its schema up to date,
checks it can be used and provides the run locks; the queries here are the same for
both (SQL with `?` placeholders, which a backend may translate).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from isal import isal_zlib

from newscrawl.state.locks import FileLock, run_lock_path
from newscrawl.text.times import utc_now

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 6
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
# Crawls sharing a store: an article a crawl is about to fetch is claimed (schema 4
# had leases renewed by heartbeats in `expires_at` and `alive_until`; since version 6 a
# run's lock says whether it lives, and those columns only date a claim and tell
# whether a run from before 0.3 is over). `host` and `pid` say where a run runs.
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
# Version 6: runs belong to a node; a claim carries the run's intent to write its row
# to a feed; the WARC files each run wrote (recovered rows keep their archive
# location); why a version's page is not archived (warc_note: "the disk was full");
# each run's scrapyd job id and outcome (summary: JSON), so `newscrawl jobs` finds every
# node's jobs in a shared store;
# consumers of `newscrawl export --new` and the rows each was given.
NODES_SCHEMA = (
    "ALTER TABLE runs ADD COLUMN node TEXT; ALTER TABLE claims ADD COLUMN intent INTEGER NOT NULL DEFAULT 0; "
    "ALTER TABLE runs ADD COLUMN job TEXT; ALTER TABLE runs ADD COLUMN summary TEXT; "
    "ALTER TABLE articles ADD COLUMN warc_note TEXT; "
    "CREATE TABLE run_warcs (run_id INTEGER NOT NULL, path TEXT NOT NULL); "
    "CREATE TABLE consumer_exports (export_id INTEGER PRIMARY KEY, consumer TEXT NOT NULL, created_at TEXT NOT NULL, "
    "finished_at TEXT, row_count INTEGER NOT NULL DEFAULT 0); "
    "CREATE TABLE consumer_rows (consumer TEXT NOT NULL, article_id TEXT NOT NULL, export_id INTEGER NOT NULL, "
    "PRIMARY KEY (consumer, article_id)); "
    "CREATE INDEX consumer_rows_by_export ON consumer_rows (export_id);"
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
    6: NODES_SCHEMA,
}
TABLES = {"articles", "runs", "run_feeds"}
# Not part of the content: when and where a page was fetched, not what it says.
_VOLATILE_FIELDS = ("crawled_at", "fetched_from", "captured_at")


class StateStoreError(Exception):
    """The state store cannot be used; the message says why and what to do."""


class RunFenced(StateStoreError):
    """This run was declared dead by another crawl (its session ended while it lived):
    it may write nothing more, neither claims nor feed rows."""


def default_state_path(data_dir: str | os.PathLike) -> str:
    return os.path.join(data_dir, "state", "newscrawl.sqlite3")


def content_hash(record: dict) -> str:
    """A hash of what the record says (when and where it was fetched left out)."""
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


def default_node() -> str:
    return socket.gethostname() or "localhost"


@dataclass(frozen=True)
class RunInfo:
    """A run as `runs_overview` shows it."""

    run_id: int
    node: str | None
    host: str | None
    pid: int | None
    started_at: str
    finished_at: str | None
    finish_reason: str | None
    state: str  # "alive", "dead" (not yet taken in), "in doubt" (finished, intents left), "finished"
    claims: int
    intents: int


# A claim passes on when the run holding it is over, unless it carries an intent.
_CLAIM_FREE = ("claims.run_id = excluded.run_id OR (claims.intent = 0 AND NOT EXISTS ("
               "SELECT 1 FROM runs WHERE runs.run_id = claims.run_id AND runs.finished_at IS NULL))")


class Store:
    """What every backend offers; subclasses set `db` (a DB-API connection whose
    `execute` returns a cursor), `version` (the schema version as opened), `path`
    (the store as named in messages), `node` and `lock_dir` (where this machine's run
    locks are), and implement `_begin` and `check`; a backend with locks of its own
    extends `_hold_run`, `_take_if_dead` and `_let_go`."""

    PLACEHOLDER = "?"
    version = SCHEMA_VERSION
    read_only = False
    node: str = ""
    lock_dir: Path | None = None
    own_run: int | None = None  # the run this store object began, and holds the lock of
    _locks: dict | None = None  # run id -> the FileLock this object holds

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

    def record_of(self, article_id: str) -> dict | None:
        """The exported record of one article version, None if it was not exported."""
        row = self._execute("SELECT record FROM articles WHERE article_id = ?", (article_id,)).fetchone()
        return json.loads(zlib.decompress(row[0])) if row else None

    def ids_between(self, first: str, last: str) -> Iterator[str]:
        """The article ids held from `first` to `last` (inclusive, as text: AEN20190105 to
        AEN20190105~ is one day's), in order."""
        for (article_id,) in self._execute("SELECT article_id FROM articles WHERE article_id >= ? AND article_id <= ? "
                                           "ORDER BY article_id", (first, last)):
            yield article_id

    def archived_at(self, article_id: str) -> tuple[str, int, int] | None:
        """Where the exported version's page is archived (WARC path, offset, length)."""
        row = self._execute(f"SELECT {self._archive_columns()} FROM articles WHERE article_id = ?",
                            (article_id,)).fetchone()
        return tuple(row) if row and row[0] else None

    def archive_note(self, article_id: str) -> str | None:
        """Why the exported version's page is not archived, when the crawl knew
        ("the disk was full"); None for a store from before it kept that."""
        if self.version < 6:
            return None
        row = self._execute("SELECT warc_note FROM articles WHERE article_id = ?", (article_id,)).fetchone()
        return row[0] if row else None

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

    def versions_of(self, story_id: str) -> list[dict]:
        """The exported records of one story's versions, lowest revision first."""
        return [json.loads(zlib.decompress(blob)) for (blob,) in self._execute(
            "SELECT record FROM articles WHERE story_id = ? ORDER BY revision, article_id", (story_id,))]

    def records_by_story(self, revised_only: bool = False) -> Iterator[dict]:
        """Every exported record, a story's versions together (stories by story_id,
        versions lowest revision first): to go through stories one at a time. With
        revised_only=True only the stories held in more than one version (most stories
        have one: what changed between versions needs only the others)."""
        where = (" WHERE story_id IN (SELECT story_id FROM articles GROUP BY story_id HAVING count(*) > 1)"
                 if revised_only else "")
        for (blob,) in self._execute(f"SELECT record FROM articles{where} ORDER BY story_id, revision, article_id"):
            yield json.loads(zlib.decompress(blob))

    # -- runs: who is alive ------------------------------------------------------------
    def begin_run(self) -> int:
        """A new run of this node, alive for as long as this store object holds its lock:
        the lock is taken before the run's row is committed, so no other crawl ever sees
        the run without it."""
        self._begin()
        run_id = None
        try:
            run_id = self._execute("INSERT INTO runs (started_at, host, pid, node) VALUES (?, ?, ?, ?) RETURNING run_id",
                                   (utc_now(), socket.gethostname(), os.getpid(), self.node)).fetchone()[0]
            self._hold_run(run_id)
            self._execute("COMMIT")
        except BaseException:
            self._rollback()
            if run_id is not None:
                self._let_go(run_id)
            raise
        self.own_run = run_id
        return run_id

    def _local_lock(self, run_id: int) -> FileLock | None:
        return FileLock(run_lock_path(self.lock_dir, run_id)) if self.lock_dir is not None else None

    def _hold_run(self, run_id: int) -> None:
        """Take the new run's locks (this object keeps them until `_let_go` or close)."""
        lock = self._local_lock(run_id)
        if lock is not None:
            if not lock.acquire():
                raise StateStoreError(f"run lock {lock.path} is held by another process: remove stale run locks "
                                      "only when no crawl runs")
            self._held()[run_id] = lock

    def _take_if_dead(self, run_id: int, node: str | None) -> bool:
        """True if run `run_id` (unfinished, not this object's) is gone; its locks are then
        held by this object until `_let_go`, so no one else takes it in at the same time.
        Here: the run's lock file on this machine (the SQLite store's own directory, or
        this node's lock directory)."""
        lock = self._local_lock(run_id)
        if lock is None or not lock.acquire():
            return False
        self._held()[run_id] = lock
        return True

    def _let_go(self, run_id: int, remove: bool = True) -> None:
        """Release the locks held for `run_id` (if any), removing its lock file unless
        remove=False (the run is over, or was only probed)."""
        lock = self._held().pop(run_id, None)
        if lock is not None:
            lock.release(remove=remove)

    def _held(self) -> dict:
        if self._locks is None:
            self._locks = {}
        return self._locks

    def _is_dead(self, run_id: int, node: str | None, alive_until: str | None) -> bool:
        """Whether an unfinished run is gone (and, if so, its locks now held here). A run
        of a newscrawl before 0.3 has no node and no lock: its old lease decides."""
        if run_id == self.own_run:
            return False
        if node is None:
            return alive_until is None or alive_until < utc_now()
        return self._take_if_dead(run_id, node)

    def dead_runs(self) -> list[int]:
        """Runs that never finished and whose crawl is gone (probed: no lock kept)."""
        dead = []
        for run_id, node, alive_until in self._execute(
                "SELECT run_id, node, alive_until FROM runs WHERE finished_at IS NULL ORDER BY run_id").fetchall():
            if self._is_dead(run_id, node, alive_until):
                dead.append(run_id)
                self._let_go(run_id, remove=False)
        return dead

    # -- runs and feeds ------------------------------------------------------------
    def add_feed(self, run_id: int, path: str, fmt: str, start_offset: int = 0) -> None:
        """Record a feed file before anything is written to it, with the offset the
        run's rows start at (crash recovery reads from there)."""
        self._execute("INSERT INTO run_feeds (run_id, path, format, start_offset) VALUES (?, ?, ?, ?)",
                        (run_id, path, fmt, start_offset))

    def add_warc(self, run_id: int, path: str) -> None:
        """Record a WARC file (its final name) before anything is written to it: the
        rows of a run that dies are taken in with their pages' archive locations."""
        self._execute("INSERT INTO run_warcs (run_id, path) VALUES (?, ?)", (run_id, path))

    def run_warcs(self, run_id: int) -> list[str]:
        return [row[0] for row in self._execute("SELECT path FROM run_warcs WHERE run_id = ? ORDER BY path", (run_id,))]

    def record_outcome(self, run_id: int, job: str, summary: dict) -> None:
        """What a run did, for `newscrawl jobs` on any machine that reads the store."""
        self._execute("UPDATE runs SET job = ?, summary = ? WHERE run_id = ?",
                      (job, json.dumps(summary, ensure_ascii=False, default=str), run_id))

    def job_outcomes(self, jobs: Iterable[str]) -> dict[str, dict]:
        """job id -> the outcome its (newest) run recorded, for the jobs asked about."""
        wanted = [job for job in dict.fromkeys(jobs) if job]
        if not wanted or self.version < 6:
            return {}
        marks = ", ".join("?" for _ in wanted)
        found = {}
        for job, summary in self._execute(f"SELECT job, summary FROM runs WHERE job IN ({marks}) AND summary IS NOT"
                                          " NULL ORDER BY run_id", tuple(wanted)).fetchall():
            try:
                found[job] = json.loads(summary)
            except ValueError:
                continue
        return found

    def finish_run(self, run_id: int, reason: str, keep_intents: bool = False) -> None:
        """The run is over: its claims are free (but for those with an intent, with
        keep_intents: in doubt until its node settles them)."""
        self._execute("UPDATE runs SET finished_at = ?, finish_reason = ? WHERE run_id = ? AND finished_at IS NULL",
                      (utc_now(), reason, run_id))
        # What it exported is in `articles` now; what it did not is free for others.
        self._execute("DELETE FROM claims WHERE run_id = ?" + (" AND intent = 0" if keep_intents else ""), (run_id,))
        if run_id == self.own_run:
            self._let_go(run_id)
            self.own_run = None

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
    def claim_article(self, article_id: str, run_id: int) -> bool:
        """True if this run may fetch the article: nobody held it, or this run does, or
        the holder's run is over and had no intent for it (what it wrote is in the
        store). Whether it was exported is the caller's question (`is_exported`)."""
        cursor = self._execute(
            "INSERT INTO claims (article_id, run_id, expires_at, intent) VALUES (?, ?, ?, 0)"
            f" ON CONFLICT (article_id) DO UPDATE SET run_id = excluded.run_id, expires_at = excluded.expires_at"
            f" WHERE {_CLAIM_FREE}", (article_id, run_id, utc_now()))
        return cursor.rowcount > 0

    def _transaction(self, work: Callable[[], object]):
        """Run `work`, which begins one transaction and commits or rolls it back; a
        backend that can lose its server mid-run runs the whole of it again."""
        return work()

    def intend(self, run_id: int, article_ids: Iterable[str], refetch: bool = False) -> set[str]:
        """Mark, in one transaction, that this run is about to write these articles'
        rows to its feeds; returns the ids it may write: those it holds or could claim
        now, and (unless refetch) that no run has exported meanwhile. RunFenced if the
        run was declared dead meanwhile: nothing may be written."""
        article_ids = list(dict.fromkeys(article_ids))
        return self._transaction(lambda: self._intend(run_id, article_ids, refetch))

    def _intend(self, run_id: int, article_ids: list[str], refetch: bool) -> set[str]:
        self._begin()
        try:
            row = self._execute("SELECT finished_at FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            if row is None or row[0] is not None:
                raise RunFenced(f"state store {self.path}: run {run_id} was declared dead by another crawl while it "
                                "ran (its session with the store ended); it writes nothing more")
            allowed = set()
            for article_id in article_ids:
                if not refetch and self.is_exported(article_id):
                    continue
                cursor = self._execute(
                    "INSERT INTO claims (article_id, run_id, expires_at, intent) VALUES (?, ?, ?, 1)"
                    " ON CONFLICT (article_id) DO UPDATE SET run_id = excluded.run_id, intent = 1"
                    f" WHERE {_CLAIM_FREE}", (article_id, run_id, utc_now()))
                if cursor.rowcount > 0:
                    allowed.add(article_id)
            self._execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        return allowed

    def held_by_live_run(self, article_id: str) -> bool:
        """Whether the article's claim is held by a run that is not over, or kept in doubt."""
        return self._execute("SELECT 1 FROM claims WHERE article_id = ?", (article_id,)).fetchone() is not None

    def unfinished_feeds(self, dead: Iterable[int] | None = None) -> list[FeedFile]:
        """The feed files of dead runs (`dead_runs`, unless given)."""
        dead = set(self.dead_runs() if dead is None else dead)
        rows = self._execute("SELECT f.run_id, f.path, f.format, f.start_offset FROM run_feeds f JOIN runs r"
                             " USING (run_id) WHERE r.finished_at IS NULL ORDER BY f.run_id, f.path")
        return [FeedFile(*row) for row in rows if row[0] in dead]

    def _feeds_of(self, run_id: int) -> list[FeedFile]:
        return [FeedFile(*row) for row in self._execute(
            "SELECT run_id, path, format, start_offset FROM run_feeds WHERE run_id = ? ORDER BY path", (run_id,))]

    def recover_unfinished_runs(self, read_feed: Callable[[FeedFile], Iterable[dict]],
                                locate: Callable[[list[str]], dict] | None = None) -> int:
        """Take in the runs that died (a crash, a kill): on this node, the rows in their
        feed files go into the store (with where their pages are archived, when
        `locate` maps the run's WARC files to article_id -> (path, offset, length)) and
        their claims are free; a run of another node is declared dead: its claims
        without an intent are free, the others in doubt until its node runs again.
        Returns how many rows were new to the store."""
        recovered = 0
        candidates = self._execute(
            "SELECT run_id, node, alive_until FROM runs WHERE finished_at IS NULL ORDER BY run_id").fetchall()
        # Declared dead by a crawl of another node, with intents left: this node settles them.
        in_doubt = self._execute(
            "SELECT DISTINCT r.run_id, r.node FROM runs r JOIN claims c ON c.run_id = r.run_id"
            " WHERE r.finished_at IS NOT NULL AND c.intent = 1 AND r.node = ? ORDER BY r.run_id", (self.node,)).fetchall()
        for run_id, node, alive_until in candidates:
            if not self._is_dead(run_id, node, alive_until):
                continue
            try:
                if node is None or node == self.node:
                    recovered += self._settle(run_id, read_feed, locate, finish=True)
                else:
                    self.finish_run(run_id, f"dead (its crawl on node {node} is gone); its articles with rows "
                                            "in flight stay held until that node runs again", keep_intents=True)
                    logger.warning("state store %s: run %d of node %s is gone; articles it was writing stay held "
                                   "until node %s runs again (or `newscrawl runs --release-node %s`)",
                                   self.path, run_id, node, node, node)
            finally:
                self._let_go(run_id)
        for run_id, node in in_doubt:
            if self._take_if_dead(run_id, node):  # its process on this node is gone too
                try:
                    recovered += self._settle(run_id, read_feed, locate, finish=False)
                finally:
                    self._let_go(run_id)
        return recovered

    def _settle(self, run_id: int, read_feed, locate, finish: bool) -> int:
        """Take a dead run of this node in from its own feed files: the rows found there
        are recorded, its claims are free. A feed file that is gone leaves its intents
        in doubt (its rows may be anywhere): nothing is freed that may have been exported."""
        feeds = self._feeds_of(run_id)
        missing = [feed.path for feed in feeds if not os.path.isfile(feed.path)]
        rows = [row for feed in feeds if feed.path not in missing for row in read_feed(feed)]
        locations = locate(self.run_warcs(run_id)) if locate is not None and rows else {}
        new = self.record(rows, locations=locations)
        if missing:
            reason = (f"interrupted; feed file(s) {', '.join(missing)} gone: its articles with rows in flight stay "
                      f"held (`newscrawl runs --release-node {self.node}` frees them)")
            logger.warning("state store %s: run %d: %s", self.path, run_id, reason)
            if finish:
                self.finish_run(run_id, reason, keep_intents=True)
            return new
        if finish:
            self.finish_run(run_id, "interrupted; the rows in its feed files were taken into the store")
        else:
            self._execute("DELETE FROM claims WHERE run_id = ?", (run_id,))
        return new

    def release_node(self, node: str) -> int:
        """An operator's word that `node` is lost for good (its disk with it): its dead
        runs are finished and every claim they hold, in doubt included, is free. The
        rows it may have written are then fetched again: at least once, not exactly
        once, for what its lost feeds held. Refused while one of its runs is alive, and
        for a node the store has no run of (a typo must not look like a release)."""
        if not self._execute("SELECT 1 FROM runs WHERE node = ? LIMIT 1", (node,)).fetchone():
            known = [row[0] for row in self._execute("SELECT DISTINCT node FROM runs WHERE node IS NOT NULL"
                                                     " ORDER BY node LIMIT 10").fetchall()]
            raise StateStoreError(f"state store {self.path} has no run of node {node!r}"
                                  + (f"; its nodes: {', '.join(known)}" if known else ""))
        for run_id, alive_until in self._execute(
                "SELECT run_id, alive_until FROM runs WHERE node = ? AND finished_at IS NULL", (node,)).fetchall():
            if not self._is_dead(run_id, node, alive_until):
                raise StateStoreError(f"node {node} has a live run ({run_id}): stop that crawl first "
                                      "(`newscrawl runs` shows its host and pid)")
            try:
                self.finish_run(run_id, f"released by an operator: node {node} is lost", keep_intents=True)
            finally:
                self._let_go(run_id)
        return self._execute("DELETE FROM claims WHERE run_id IN (SELECT run_id FROM runs WHERE node = ?"
                             " AND finished_at IS NOT NULL)", (node,)).rowcount

    def runs_overview(self) -> list[RunInfo]:
        """Runs that are not over, and finished runs whose intents are still in doubt."""
        rows = self._execute(
            "SELECT r.run_id, r.node, r.host, r.pid, r.started_at, r.finished_at, r.finish_reason, r.alive_until,"
            " (SELECT count(*) FROM claims c WHERE c.run_id = r.run_id),"
            " (SELECT count(*) FROM claims c WHERE c.run_id = r.run_id AND c.intent = 1)"
            " FROM runs r WHERE r.finished_at IS NULL OR EXISTS (SELECT 1 FROM claims c WHERE c.run_id = r.run_id)"
            " ORDER BY r.run_id").fetchall()
        shown = []
        for run_id, node, host, pid, started, finished, reason, alive_until, claims, intents in rows:
            if finished is not None:
                state = "in doubt" if intents else "finished"
            else:
                dead = self._is_dead(run_id, node, alive_until)
                if dead:
                    self._let_go(run_id, remove=False)
                state = "dead" if dead else "alive"
            shown.append(RunInfo(run_id, node, host, pid, started, finished, reason, state, claims, intents))
        return shown

    # -- writing -------------------------------------------------------------------
    def record(self, records: Iterable[dict], run_id: int | None = None, locations: dict | None = None) -> int:
        """Store exported records in one transaction; returns how many article ids
        were new. A record already stored is updated (content, last_seen).
        `locations`: article_id -> where its page is archived (path, offset, length)."""
        records = list(records)
        return self._transaction(lambda: self._record(records, run_id, locations))

    def _record(self, records: list[dict], run_id: int | None, locations: dict | None) -> int:
        locations = locations or {}
        now = utc_now()
        new = 0
        self._begin()
        try:
            for record in records:
                article_id = record.get("article_id")
                if not article_id:
                    continue
                # A zlib stream, by ISA-L: a ninth of zlib's time at its level 6, read by zlib all the same.
                blob = isal_zlib.compress(json.dumps(record, ensure_ascii=False).encode("utf-8"), 2)
                where = locations.get(article_id)
                # A location (path, offset, length), or why the page is not archived (a str).
                archived = (str(where[0]), where[1], where[2]) if where and not isinstance(where, str) else None
                note = where if isinstance(where, str) else None
                values = (record.get("story_id") or article_id[:15], _whole_number(record.get("revision")),
                          content_hash(record), record.get("published_at") or "", *_analyst_values(record), now, blob,
                          *(archived or (None, None, None)), archived and archived[0], note, article_id)
                # A version exported again without an archived page keeps where its page was archived.
                updated = self._execute(
                    "UPDATE articles SET story_id = ?, revision = ?, content_hash = ?, published_at = ?, headline = ?,"
                    " url = ?, section = ?, last_seen = ?, record = ?, warc_path = COALESCE(?, warc_path),"
                    " warc_offset = COALESCE(?, warc_offset), warc_length = COALESCE(?, warc_length),"
                    " warc_note = CASE WHEN CAST(? AS TEXT) IS NOT NULL THEN NULL ELSE COALESCE(CAST(? AS TEXT), warc_note) END"
                    " WHERE article_id = ?", values)
                if updated.rowcount == 0:
                    self._execute(
                        "INSERT INTO articles (story_id, revision, content_hash, published_at, headline, url, section,"
                        " last_seen, record, warc_path, warc_offset, warc_length, warc_note, article_id, first_seen)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (*values[:12], note, article_id, now))
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

    # -- feeds built from the store: each row once per consumer -----------------------
    def _lock_consumer(self, consumer: str) -> None:
        """Serialise exports for one consumer inside the current transaction (SQLite's
        write lock does it already)."""

    def consumer_batch(self, consumer: str) -> tuple[int, int] | None:
        """(export id, rows) of what to write for `consumer`: an export that was chosen
        but never finished (killed before its file was whole) again, else every row
        not yet given to it, marked as given in the same transaction that picks them
        (no cursor: a row committed late, after a later one, is simply picked next
        time). None when there is nothing new."""
        return self._transaction(lambda: self._consumer_batch(consumer))

    def _consumer_batch(self, consumer: str) -> tuple[int, int] | None:
        self._begin()
        try:
            self._lock_consumer(consumer)
            unfinished = self._execute("SELECT export_id, row_count FROM consumer_exports WHERE consumer = ? AND"
                                       " finished_at IS NULL ORDER BY export_id LIMIT 1", (consumer,)).fetchone()
            if unfinished is None:
                export_id = self._execute("INSERT INTO consumer_exports (consumer, created_at) VALUES (?, ?)"
                                          " RETURNING export_id", (consumer, utc_now())).fetchone()[0]
                count = self._execute(
                    "INSERT INTO consumer_rows (consumer, article_id, export_id) SELECT ?, article_id, ? FROM articles a"
                    " WHERE NOT EXISTS (SELECT 1 FROM consumer_rows m WHERE m.consumer = ? AND"
                    " m.article_id = a.article_id)", (consumer, export_id, consumer)).rowcount
                if count <= 0:
                    self._rollback()
                    return None
                self._execute("UPDATE consumer_exports SET row_count = ? WHERE export_id = ?", (count, export_id))
                unfinished = (export_id, count)
            self._execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        return tuple(unfinished)

    def consumer_records(self, export_id: int) -> Iterator[dict]:
        """The rows of one consumer export, in the order `records` gives."""
        query = ("SELECT a.record FROM articles a JOIN consumer_rows m ON m.article_id = a.article_id"
                 " WHERE m.export_id = ? ORDER BY a.published_at, a.story_id, a.revision, a.article_id")
        for (blob,) in self._execute(query, (export_id,)).fetchall():
            yield json.loads(zlib.decompress(blob))

    def finish_consumer_export(self, export_id: int) -> None:
        self._execute("UPDATE consumer_exports SET finished_at = ? WHERE export_id = ?", (utc_now(), export_id))

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            db.close()
            self.db = None
        # The run locks go with this object (a run left unfinished is dead from now on).
        for lock in (self._locks or {}).values():
            lock.release()
        self._locks = {}
