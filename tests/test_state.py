"""The state store, feed reading and `newscrawl export`, without a crawl."""
import json
import os
import shutil
import tempfile
from pathlib import Path
import sqlite3
import subprocess
import sys

import pytest

from conftest import clean_env
from newscrawl.feeds.export import select_records
from newscrawl.items import ARTICLE_FIELDS, INT_FIELDS, LIST_FIELDS
from newscrawl.feeds.records import read_feed, render
from newscrawl.state import SCHEMA_VERSION, FeedFile, StateStore, StateStoreError, content_hash


def record(article_id, revision=0, published="2023-04-19T10:00:00+09:00", **extra):
    base = {name: "" for name in ARTICLE_FIELDS}
    base.update(article_id=article_id, story_id=article_id[:15], revision=revision, published_at=published,
                keywords=["a", "b"], photos=[{"url": "https://img/x.jpg", "caption": "=cap, with comma"}],
                author_emails=[], related_ids=[], word_count=3, headline=f"headline {article_id}", **extra)
    return base


ORIGINAL = record("AEN20230419004700315")
LEAD = record("AEN20230419004751315", revision=1, published="2023-04-19T12:00:00+09:00")
OTHER = record("AEN20230419002000320", published="2023-04-19T09:00:00+09:00")


def test_store_records_versions_and_latest_view(tmp_path):
    with StateStore(tmp_path / "s.sqlite3") as store:
        run = store.begin_run()
        assert store.record([ORIGINAL, OTHER], run) == 2
        assert store.record([dict(ORIGINAL, crawled_at="later")], run) == 0  # an update, not a new version
        assert store.record([LEAD], run) == 1
        assert store.is_exported(LEAD["article_id"]) and not store.is_exported("AEN20230419999900315")
        assert [r["article_id"] for r in store.records()] == [OTHER["article_id"], ORIGINAL["article_id"], LEAD["article_id"]]
        assert [r["article_id"] for r in store.records(latest=True)] == [OTHER["article_id"], LEAD["article_id"]]
        assert next(store.records(latest=True)) == OTHER  # the whole record comes back
        row = store.db.execute("SELECT content_hash, first_seen, last_seen FROM articles WHERE article_id = ?",
                               (ORIGINAL["article_id"],)).fetchone()
        assert row[0] == content_hash(ORIGINAL) == content_hash(dict(ORIGINAL, crawled_at="later"))
        assert content_hash(dict(ORIGINAL, body="changed")) != row[0]


def test_latest_from_feed_rows_uses_the_same_rule():
    rows = [LEAD, ORIGINAL, OTHER, dict(ORIGINAL)]
    assert [r["article_id"] for r in select_records(rows, latest=True)] == [OTHER["article_id"], LEAD["article_id"]]
    assert [r["article_id"] for r in select_records(rows, latest=False)] == [
        OTHER["article_id"], ORIGINAL["article_id"], LEAD["article_id"]]
    # Same revision twice (an id outside the 00/5N scheme): the later one wins.
    twin = record("AEN20230419004702315", revision=1, published="2023-04-19T13:00:00+09:00")
    assert select_records([LEAD, twin], latest=True) == [twin]


@pytest.mark.parametrize("content,message", [
    (b"SQLite format 3\x00" + b"\x00" * 200, "is not a usable newscrawl state database"),
    (b"garbage" * 1000, "is not a usable newscrawl state database"),
])
def test_corrupt_store_is_refused_and_left_alone(tmp_path, content, message):
    path = tmp_path / "s.sqlite3"
    path.write_bytes(content)
    with pytest.raises(StateStoreError, match=message):
        StateStore(path)
    assert path.read_bytes() == content


def test_foreign_and_newer_databases_are_refused(tmp_path):
    foreign = tmp_path / "foreign.sqlite3"
    sqlite3.connect(foreign).executescript("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
    with pytest.raises(StateStoreError, match="holds no newscrawl tables"):
        StateStore(foreign)
    newer = tmp_path / "newer.sqlite3"
    StateStore(newer).close()
    connection = sqlite3.connect(newer)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(StateStoreError, match="newer than this newscrawl understands"):
        StateStore(newer)


def test_check_creates_nothing_and_a_symlink_names_the_same_store(tmp_path):
    path = tmp_path / "deep" / "s.sqlite3"
    StateStore.check(path)
    assert not path.exists() and not path.parent.exists()
    real = tmp_path / "real" / "s.sqlite3"
    real.parent.mkdir()
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    with StateStore(real) as first, StateStore(tmp_path / "linked" / "s.sqlite3") as second:
        first.record([ORIGINAL])
        assert second.is_exported(ORIGINAL["article_id"]) and second.count() == 1


def test_a_version_1_store_is_migrated_and_keeps_its_rows(tmp_path):
    """Version 1 (before feed offsets, archive locations and claims) to the current one."""
    path = tmp_path / "s.sqlite3"
    with StateStore(path) as store:
        store.record([ORIGINAL], store.begin_run())
        store.db.executescript("DROP VIEW latest_stories; ALTER TABLE articles DROP COLUMN headline; "
                               "ALTER TABLE articles DROP COLUMN url; ALTER TABLE articles DROP COLUMN section; "
                               "CREATE TABLE f (run_id, path, format); INSERT INTO f SELECT run_id, path, format "
                               "FROM run_feeds; DROP TABLE run_feeds; ALTER TABLE f RENAME TO run_feeds; "
                               "ALTER TABLE articles DROP COLUMN warc_path; ALTER TABLE articles DROP COLUMN warc_offset; "
                               "ALTER TABLE articles DROP COLUMN warc_length; DROP TABLE claims; "
                               "ALTER TABLE runs DROP COLUMN alive_until; ALTER TABLE runs DROP COLUMN host; "
                               "ALTER TABLE runs DROP COLUMN pid; ALTER TABLE runs DROP COLUMN node; ALTER TABLE articles DROP COLUMN warc_note; "
                               "ALTER TABLE runs DROP COLUMN job; ALTER TABLE runs DROP COLUMN summary; "
                               "DROP TABLE run_warcs; DROP TABLE consumer_rows; DROP TABLE consumer_exports; "
                               "PRAGMA user_version = 1;")
    with StateStore(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        store.add_feed(1, "x.jsonl", "jsonlines", 10)
        assert store.unfinished_feeds() == [FeedFile(1, "x.jsonl", "jsonlines", 10)]
        assert store.count() == 1
        store.record([ORIGINAL], locations={ORIGINAL["article_id"]: ("a.warc.gz", 100, 2000)})
        assert store.archived_at(ORIGINAL["article_id"]) == ("a.warc.gz", 100, 2000)
        # the row stored at version 1 has its analyst columns filled from its record
        assert store.db.execute("SELECT headline FROM latest_stories").fetchall() == [(ORIGINAL["headline"],)]


def cut(text: str, marker: str) -> str:
    """text cut off in the middle of the record holding marker (a killed writer)."""
    return text[:text.index(marker) + 5]


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_feeds_cut_off_part_way_give_their_whole_records(tmp_path, fmt):
    def read_text(text, on_bad=None):
        path = tmp_path / f"feed.{fmt}"
        path.write_text(text, encoding="utf-8", newline="")
        return list(read_feed(path, fmt, LIST_FIELDS, INT_FIELDS, on_bad=on_bad))

    text = render([ORIGINAL, OTHER, LEAD], fmt, ARTICLE_FIELDS)
    assert read_text(text) == [ORIGINAL, OTHER, LEAD]
    problems = []
    partial = read_text(cut(text, LEAD["article_id"]), problems.append)
    assert partial == [ORIGINAL, OTHER]
    assert len(problems) == 1


def test_recovery_takes_rows_of_unfinished_runs_only(tmp_path):
    feed = tmp_path / "run1.jsonl"
    feed.write_text(render([ORIGINAL, OTHER], "jsonl", ARTICLE_FIELDS) + '{"article_id": "AEN2023', encoding="utf-8")
    with StateStore(tmp_path / "s.sqlite3") as store:
        run = store.begin_run()
        store.add_feed(run, str(feed), "jsonlines")
        store.record([ORIGINAL], run)
    # the process died here: the run never finished
    with StateStore(tmp_path / "s.sqlite3") as store:
        assert store.unfinished_feeds() == [FeedFile(run, str(feed), "jsonlines")]
        recovered = store.recover_unfinished_runs(lambda f: read_feed(f.path, "jsonl"))
        assert recovered == 1 and store.count() == 2
        assert store.unfinished_feeds() == []


def test_recovery_skips_rows_that_are_no_records_and_reads_only_the_runs_own_rows(tmp_path):
    from newscrawl.components.incremental import read_feed_file

    feed = tmp_path / "appended.jsonl"
    feed.write_text(render([OTHER, LEAD], "jsonl", ARTICLE_FIELDS), encoding="utf-8")  # older runs' rows
    start = feed.stat().st_size
    with feed.open("a", encoding="utf-8") as handle:
        handle.write('["not","an","object"]\n{"article_id": 5}\n{"article_id": "AEN2023", "revision": 1}\n')
        handle.write(render([dict(LEAD, article_id="AEN20230419004752315", revision="x"), ORIGINAL], "jsonl",
                            ARTICLE_FIELDS))
    with StateStore(tmp_path / "s.sqlite3") as store:
        run = store.begin_run()
        store.add_feed(run, str(feed), "jsonlines", start)
    with StateStore(tmp_path / "s.sqlite3") as store:
        assert store.recover_unfinished_runs(read_feed_file) == 1
        assert [r["article_id"] for r in store.records()] == [ORIGINAL["article_id"]]
    with StateStore(tmp_path / "s.sqlite3") as store:  # and later crawls start as usual
        assert store.unfinished_feeds() == []


def test_csv_rows_a_run_appended_are_read_from_its_offset(tmp_path):
    feed = tmp_path / "feed.csv"
    feed.write_text(render([OTHER, LEAD], "csv", ARTICLE_FIELDS), encoding="utf-8", newline="")
    start = feed.stat().st_size
    with feed.open("a", encoding="utf-8", newline="") as handle:
        handle.write(render([ORIGINAL], "csv", ARTICLE_FIELDS).split("\r\n", 1)[1])  # rows without a header
    assert list(read_feed(feed, "csv", LIST_FIELDS, INT_FIELDS, start=start)) == [ORIGINAL]


def newscrawl(*args, cwd):
    return subprocess.run([sys.executable, "-m", "newscrawl", *args], cwd=cwd, capture_output=True, text=True,
                          env=clean_env())


def test_export_formats_and_parquet(tmp_path):
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    with StateStore(tmp_path / "s.sqlite3") as store:
        store.record([ORIGINAL, LEAD, OTHER], store.begin_run())
    for name in ("latest.csv", "latest.json", "latest.jsonl", "latest.parquet"):
        result = newscrawl("export", "--latest", "--state", "s.sqlite3", "-o", name, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "2 stories" in result.stderr
    assert [r["article_id"] for r in json.loads((tmp_path / "latest.json").read_text())] == [OTHER["article_id"], LEAD["article_id"]]
    table = pyarrow_parquet.read_table(tmp_path / "latest.parquet")
    assert table.column_names == list(ARTICLE_FIELDS)
    rows = table.to_pylist()
    assert rows[1]["article_id"] == LEAD["article_id"] and rows[1]["revision"] == 1
    assert rows[1]["keywords"] == ["a", "b"] and rows[1]["photos"] == LEAD["photos"]
    # Times are timestamps with their time zone, the dateline day a date; empty ones are null.
    schema = table.schema
    assert str(schema.field("published_at").type) == "timestamp[us, tz=Asia/Seoul]"
    assert str(schema.field("crawled_at").type) == str(schema.field("captured_at").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("fetched_from").type) == "string"
    assert str(schema.field("dateline_date").type) == "date32[day]"
    import pandas as pd
    frame = pd.read_parquet(tmp_path / "latest.parquet")
    assert str(frame["published_at"].dt.tz) == "Asia/Seoul"
    assert frame["published_at"].iloc[1] == pd.Timestamp(LEAD["published_at"])
    assert frame["dateline_date"].isna().all()  # empty in the records above
    # The CSV guards the caption cell and reads back as the same records.
    csv_text = (tmp_path / "latest.csv").read_text(encoding="utf-8")
    assert '"[{""url"": ""https://img/x.jpg"", ""caption"": ""=cap, with comma""}]"' in csv_text
    result = newscrawl("export", "--latest", "-o", "again.jsonl", "latest.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in (tmp_path / "again.jsonl").read_text().splitlines()] == [OTHER, LEAD]


def test_export_skips_feed_lines_that_are_no_article_records(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('["not","an","object"]\n{"article_id": 5}\n' + render([ORIGINAL], "jsonl", ARTICLE_FIELDS))
    result = newscrawl("export", str(feed), "-o", "out.jsonl", cwd=tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "line 1 is not a JSON object" in result.stderr and "has no valid article_id" in result.stderr
    assert [json.loads(line)["article_id"] for line in (tmp_path / "out.jsonl").open()] == [ORIGINAL["article_id"]]


def test_export_errors_are_one_line_and_write_nothing(tmp_path):
    (tmp_path / "keep.csv").write_text("old\n")
    cases = [
        (("-o", "keep.csv"), 1, "state store data/state/newscrawl.sqlite3 does not exist"),
        (("-o", "keep.csv", "missing.jsonl"), 1, "missing.jsonl: no such feed file"),
        (("-o", "out.xlsx", "keep.csv"), 2, "cannot tell the output format of 'out.xlsx'"),
        (("-o", "nodir/out.csv", "keep.csv"), 2, "the output directory does not exist"),
        (("-o", "keep.csv", "keep.csv"), 1, "no articles in 1 feed file(s); keep.csv not written"),
    ]
    for args, status, message in cases:
        result = newscrawl("export", *args, cwd=tmp_path)
        assert (result.returncode, result.stdout) == (status, ""), args
        assert message in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert (tmp_path / "keep.csv").read_text() == "old\n"


AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def _nobody_can_run_newscrawl() -> bool:
    """Whether this interpreter and checkout are reachable by another user (a clone under
    a private home directory is not)."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return False
    probe = subprocess.run([*AS_NOBODY, sys.executable, "-c", "import newscrawl.cli"], capture_output=True,
                           env=clean_env(), cwd="/")
    return probe.returncode == 0


@pytest.mark.skipif(not _nobody_can_run_newscrawl(), reason="needs root, and a checkout another user can read")
def test_export_by_a_user_who_can_read_but_not_write_the_store(tmp_path):
    shared = Path(tempfile.mkdtemp(prefix="newscrawl-ro-"))  # outside pytest's private 0700 tree
    try:
        shared.chmod(0o755)
        with StateStore(shared / "s.sqlite3") as store:
            store.record([ORIGINAL, OTHER], store.begin_run())
        (shared / "out").mkdir()
        os.chown(shared / "out", 65534, 65534)
        before = sorted(p.name for p in shared.iterdir())  # the store, its run locks' folder, out
        as_nobody = [*AS_NOBODY, sys.executable, "-m", "newscrawl", "export", "--state", str(shared / "s.sqlite3")]
        result = subprocess.run([*as_nobody, "-o", str(shared / "out" / "x.jsonl")], capture_output=True, text=True,
                                env=clean_env(), cwd=shared)
        assert result.returncode == 0, result.stderr
        assert len((shared / "out" / "x.jsonl").read_text().splitlines()) == 2
        assert sorted(p.name for p in shared.iterdir()) == before  # nothing made

        (shared / "s.sqlite3").chmod(0o600)
        result = subprocess.run([*as_nobody, "-o", str(shared / "out" / "y.jsonl")], capture_output=True, text=True,
                                env=clean_env(), cwd=shared)
        assert result.returncode == 1 and "cannot be opened for reading" in result.stderr
        assert "corrupt" not in result.stderr and "move it aside" not in result.stderr
    finally:
        shutil.rmtree(shared)


# -- the same store behaviour on PostgreSQL -------------------------------------------
@pytest.fixture(params=["sqlite", "postgres"])
def location(request, tmp_path):
    """The store's location on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "s.sqlite3")
    return request.getfixturevalue("postgres_url")


def test_both_backends_record_versions_recover_and_export(location, tmp_path):
    from newscrawl.components.incremental import read_feed_file

    with StateStore(location) as store:
        run = store.begin_run()
        assert store.record([ORIGINAL, OTHER], run, locations={OTHER["article_id"]: ("a.warc.gz", 10, 20)}) == 2
        assert store.record([dict(ORIGINAL, crawled_at="later")], run) == 0
        assert store.record([LEAD], run) == 1
        assert store.is_exported(LEAD["article_id"]) and store.count() == 3
        assert [r["article_id"] for r in store.records(latest=True)] == [OTHER["article_id"], LEAD["article_id"]]
        assert store.archived_at(OTHER["article_id"]) == ("a.warc.gz", 10, 20)
        # exported again: without an archived page it keeps the old one's place, with one it moves
        store.record([dict(OTHER, crawled_at="later")], run)
        assert store.archived_at(OTHER["article_id"]) == ("a.warc.gz", 10, 20)
        store.record_with_locations([(dict(OTHER, crawled_at="latest"), ("b.warc.gz", 30, 40))], run)
        assert store.archived_at(OTHER["article_id"]) == ("b.warc.gz", 30, 40)
        # a run that never finished: its feed's rows are taken in at the next start
        crashed = store.begin_run()
        feed = tmp_path / "crashed.jsonl"
        feed.write_text(render([record("AEN20230419007700315")], "jsonl", ARTICLE_FIELDS))
        store.add_feed(crashed, str(feed), "jsonlines")
        store.finish_run(run, "finished")
    with StateStore(location) as store:
        assert store.recover_unfinished_runs(read_feed_file) == 1 and store.count() == 4
        assert store.unfinished_feeds() == []
    result = newscrawl("export", "--latest", "--state", location, "-o", "latest.jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "latest.jsonl").read_text().splitlines()) == 3
    # A story's versions, and the revised stories only, as newscrawl diff and export --changes read them.
    with StateStore(location, read_only=True) as store:
        assert [r["article_id"] for r in store.versions_of(ORIGINAL["story_id"])] == [ORIGINAL["article_id"],
                                                                                      LEAD["article_id"]]
        assert [r["article_id"] for r in store.records_by_story(revised_only=True)] == [ORIGINAL["article_id"],
                                                                                        LEAD["article_id"]]
        assert len(list(store.records_by_story())) == 4
    diff = newscrawl("diff", LEAD["article_id"], "--state", location, "--format", "json", cwd=tmp_path)
    assert diff.returncode == 0, diff.stderr
    assert [(c["from"], c["to"], c["minutes"]) for c in json.loads(diff.stdout)["changes"]] == [
        (ORIGINAL["article_id"], LEAD["article_id"], 120.0)]
    changes = newscrawl("export", "--changes", "--state", location, "-o", "changes.jsonl", cwd=tmp_path)
    assert changes.returncode == 0 and "1 change between consecutive versions" in changes.stderr


def test_claims_keep_two_live_runs_off_each_others_articles(location, tmp_path):
    from newscrawl.components.incremental import read_feed_file

    article = ORIGINAL["article_id"]
    with StateStore(location, lock_dir=tmp_path / "locks") as one, StateStore(location, lock_dir=tmp_path / "locks") as two:
        first, second = one.begin_run(), two.begin_run()
        assert one.claim_article(article, first) and one.claim_article(article, first)  # its own, again
        assert not two.claim_article(article, second)  # held by a live run
        # A run whose store object is gone (its process killed): its lock is free at
        # once, with no lease to wait for; its rows are taken in, then its claims pass on.
        killer = StateStore(location, lock_dir=tmp_path / "locks")
        killed = killer.begin_run()
        feed = tmp_path / "killed.jsonl"
        feed.write_text(render([OTHER], "jsonl", ARTICLE_FIELDS))
        killer.add_feed(killed, str(feed), "jsonlines")
        assert killer.claim_article(OTHER["article_id"], killed)
        assert two.unfinished_feeds() == []  # alive: another crawl's feed, not to be recovered
        assert not two.claim_article(OTHER["article_id"], second)
        killer.close()
        assert not two.claim_article(OTHER["article_id"], second)  # dead, but its rows are not taken in yet
        assert [f.run_id for f in two.unfinished_feeds()] == [killed]
        assert two.recover_unfinished_runs(read_feed_file) == 1
        assert two.is_exported(OTHER["article_id"])  # so the crawl will not fetch it again
        assert two.claim_article(OTHER["article_id"], second)
        # a live run keeps its claims however long it runs (no lease); finishing frees them
        assert two.recover_unfinished_runs(read_feed_file) == 0 and not two.claim_article(article, second)
        one.finish_run(first, "finished")
        assert two.claim_article(article, second)


def test_both_backends_offer_analysts_a_latest_stories_view(location):
    with StateStore(location) as store:
        store.record([ORIGINAL, LEAD, OTHER])
        rows = store._execute("SELECT story_id, article_id, revision, headline, url, section FROM latest_stories"
                              " ORDER BY story_id").fetchall()
    assert [tuple(row) for row in rows] == [
        (r["story_id"], r["article_id"], r["revision"], r["headline"], r["url"], r["section"]) for r in (OTHER, LEAD)]


def test_a_postgres_store_that_cannot_be_reached_says_so_without_the_password(tmp_path):
    url = "postgresql://newscrawl:s3cret-pw@127.0.0.1:9/none"
    with pytest.raises(StateStoreError) as error:
        StateStore(url)
    assert "cannot be reached" in str(error.value) and "s3cret-pw" not in str(error.value)
    assert "newscrawl:***@127.0.0.1:9" in str(error.value)
    result = newscrawl("export", "--state", url, "-o", "x.jsonl", cwd=tmp_path)
    assert result.returncode == 1 and "s3cret-pw" not in result.stderr and "Traceback" not in result.stderr
