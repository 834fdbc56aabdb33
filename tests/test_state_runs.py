"""Runs on a shared state store, without a crawl: liveness by lock (never by pid or
clock), intents in doubt across nodes, fencing, releasing a lost node, and feeds built
from the store for a consumer (`export --new`). Each on SQLite and a real PostgreSQL."""
import os
import signal
import subprocess
import sys

import pytest

from conftest import clean_env, holding_process
from newscrawl.components.incremental import read_feed_file
from newscrawl.feeds.records import read_feed, render
from newscrawl.items import ARTICLE_FIELDS
from newscrawl.state import RunFenced, StateStore, StateStoreError
from test_state import LEAD, ORIGINAL, OTHER, record

IDS = [f"AEN20230419{serial:04d}00315" for serial in range(10, 16)]


@pytest.fixture(params=["sqlite", "postgres"])
def location(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "s.sqlite3")
    return request.getfixturevalue("postgres_url")


def open_store(location, tmp_path, node):
    """A store as a crawl of `node` opens it (its own lock dir, as its own data dir)."""
    return StateStore(location, node=node, lock_dir=tmp_path / node / "state" / "runs")


def write_feed(path, records):
    path.write_text(render(records, "jsonl", ARTICLE_FIELDS), encoding="utf-8")


def _holding_a_run(location, tmp_path, **session):
    """Another process of node n holding a run and a claim on IDS[0]; it prints the run."""
    return holding_process(f"""
        from newscrawl.state import StateStore
        store = StateStore({location!r}, node="n", lock_dir={str(tmp_path / 'n' / 'state' / 'runs')!r})
        run = store.begin_run()
        store.claim_article({IDS[0]!r}, run)
    """, "run", **session)


def test_a_run_is_alive_while_its_process_lives_paused_or_not_and_dead_at_once_when_killed(location, tmp_path):
    """Another process holds a run (and a claim); SIGSTOP leaves it alive, kill -9 makes
    it dead at once, though its pid may still answer for a moment."""
    with _holding_a_run(location, tmp_path) as (holder, shown), open_store(location, tmp_path, "n") as other:
        run = int(shown)
        mine = other.begin_run()
        assert other.dead_runs() == [] and not other.claim_article(IDS[0], mine)
        holder.send_signal(signal.SIGSTOP)  # a VM pause, a cgroup freeze: alive however long
        assert other.recover_unfinished_runs(read_feed_file) == 0
        assert other.dead_runs() == [] and not other.claim_article(IDS[0], mine)
        assert [r.state for r in other.runs_overview() if r.run_id == run] == ["alive"]
        holder.kill()
        holder.wait()
        assert other.dead_runs() == [run]
        other.recover_unfinished_runs(read_feed_file)
        assert other.claim_article(IDS[0], mine)  # no lease to wait out


@pytest.mark.parametrize("session_outlives, dead", [(0.6, True), (5, False)])
def test_a_postgres_run_whose_process_is_gone_waits_for_its_session_to_end(postgres_url, tmp_path, monkeypatch,
                                                                           caplog, session_outlives, dead):
    """The process is gone (its lock file free) but the server has not yet ended its
    session (the backend reads the closed socket's EOF a moment later, and may first run
    a COMMIT still in the socket): the run is dead once the session ends, not before,
    and a session that does not end (the same node id on another machine) keeps it alive.
    Made slow on purpose: a child keeps the socket open after closing its lock file."""
    from newscrawl.state.postgres import PostgresStore

    monkeypatch.setattr(PostgresStore, "DYING_SESSION_WAIT", 3.0)
    with _holding_a_run(postgres_url, tmp_path, keep_socket="store.db.pgconn.socket",
                        outlives=session_outlives) as (holder, shown), \
            open_store(postgres_url, tmp_path, "n") as other:
        holder.kill()
        holder.wait()
        assert other.dead_runs() == ([int(shown)] if dead else [])
        assert ("still holds its lock" in caplog.text) is not dead


def test_a_dead_run_of_another_node_keeps_its_rows_in_flight_until_its_node_settles_them(postgres_url, tmp_path):
    location = postgres_url  # nodes share a server's store
    feed = tmp_path / "a" / "feed.jsonl"
    feed.parent.mkdir()
    node_a = open_store(location, tmp_path, "a")
    run = node_a.begin_run()
    node_a.add_feed(run, str(feed), "jsonlines")
    for article_id in IDS:
        assert node_a.claim_article(article_id, run)
    # Rows for IDS[0:2] were written (intent, then the feed); IDS[2] intended, killed before
    # its row was written; IDS[3:] claimed only.
    assert node_a.intend(run, IDS[:3]) == set(IDS[:3])
    write_feed(feed, [record(article_id) for article_id in IDS[:2]])
    node_a.close()  # node a's crawl is killed: its session ends
    with open_store(location, tmp_path, "b") as node_b:
        mine = node_b.begin_run()
        assert node_b.recover_unfinished_runs(read_feed_file) == 0  # b cannot read a's feed
        assert node_b.count() == 0
        assert [node_b.claim_article(article_id, mine) for article_id in IDS] == [False] * 3 + [True] * 3
        assert [r.state for r in node_b.runs_overview() if r.run_id == run] == ["in doubt"]
    with open_store(location, tmp_path, "a") as again:  # node a runs again
        later = again.begin_run()
        assert again.recover_unfinished_runs(read_feed_file) == 2  # its rows committed
        assert sorted(r["article_id"] for r in again.records()) == IDS[:2]
        assert again.claim_article(IDS[2], later)  # the intended row that never was written: free
        assert not any(r.run_id == run for r in again.runs_overview())


def test_a_dead_run_whose_feed_file_is_gone_frees_nothing_it_may_have_written(location, tmp_path):
    store = open_store(location, tmp_path, "n")
    run = store.begin_run()
    store.add_feed(run, str(tmp_path / "gone.jsonl"), "jsonlines")
    store.claim_article(IDS[0], run)
    store.claim_article(IDS[1], run)
    store.intend(run, [IDS[0]])
    store.close()
    with open_store(location, tmp_path, "n") as other:  # node n runs again, its feed is not there
        mine = other.begin_run()
        other.recover_unfinished_runs(read_feed_file)
        assert not other.claim_article(IDS[0], mine) and other.claim_article(IDS[1], mine)
        assert [r.state for r in other.runs_overview() if r.run_id == run] == ["in doubt"]
        other.finish_run(mine, "finished")
    with open_store(location, tmp_path, "ops") as operator:
        assert operator.release_node("n") == 1  # an operator's word: node n's disk is lost
        assert operator.claim_article(IDS[0], operator.begin_run())


def test_a_node_with_a_live_run_is_not_released(location, tmp_path):
    with open_store(location, tmp_path, "n") as live, open_store(location, tmp_path, "m") as operator:
        live.begin_run()
        with pytest.raises(StateStoreError, match="has a live run"):
            operator.release_node("n")


def test_intents_refuse_what_another_run_holds_or_exported_and_fence_a_run_declared_dead(location, tmp_path):
    with open_store(location, tmp_path, "n") as one, open_store(location, tmp_path, "n") as two:
        first, second = one.begin_run(), two.begin_run()
        assert one.claim_article(IDS[0], first)
        two.record([record(IDS[1])], second)
        # IDS[0] is the other's; IDS[1] exported; IDS[2] nobody's: claimed with the intent
        assert two.intend(second, IDS[:3]) == {IDS[2]}
        assert two.intend(second, [IDS[1]], refetch=True) == {IDS[1]}
        one.finish_run(first, "declared dead, as another crawl would")
        with pytest.raises(RunFenced):
            one.intend(first, [IDS[3]])


def test_a_postgres_run_that_lost_its_session_and_was_declared_dead_is_fenced(postgres_url, tmp_path):
    import psycopg

    store = open_store(postgres_url, tmp_path, "a")
    run = store.begin_run()
    store.claim_article(IDS[0], run)
    store.RECONNECT_DELAYS = (0.1,)
    with psycopg.connect(postgres_url, autocommit=True) as admin:  # the session ends (a network cut)
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                      (f"newscrawl run {run}",))
    with open_store(postgres_url, tmp_path, "b") as node_b:  # another node finds it dead
        node_b.begin_run()
        node_b.recover_unfinished_runs(read_feed_file)
    with pytest.raises(RunFenced):
        store.intend(run, [IDS[0]])  # reconnects, takes its lock again, finds itself declared dead
    store.close()


def test_a_postgres_run_that_lost_its_session_but_not_its_life_goes_on(postgres_url, tmp_path):
    import psycopg

    with open_store(postgres_url, tmp_path, "a") as store:
        run = store.begin_run()
        store.RECONNECT_DELAYS = (0.1,)
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                          (f"newscrawl run {run}",))
        assert store.intend(run, [IDS[0]]) == {IDS[0]}  # back, with its lock: nobody declared it dead
        with open_store(postgres_url, tmp_path, "b") as node_b:
            node_b.begin_run()
            assert node_b.dead_runs() == []


def test_export_new_gives_each_row_once_per_consumer_and_rewrites_an_unfinished_export(location, tmp_path):
    out = tmp_path / "out"
    out.mkdir()

    def export_new(name):
        result = subprocess.run([sys.executable, "-m", "newscrawl", "export", "--new", name, "--state", location,
                                 "-o", str(out)], capture_output=True, text=True, env=clean_env(), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return result.stderr

    def rows(name):
        return sorted(path.name for path in out.glob(f"{name}-*.jsonl"))

    with StateStore(location) as store:
        store.record([ORIGINAL, OTHER])
    assert "2 new article versions for desk" in export_new("desk")
    assert "nothing new for desk" in export_new("desk")
    with StateStore(location) as store:
        store.record([LEAD, dict(ORIGINAL, crawled_at="again")])  # a new version, and one given before
        # An export that chose its rows and was killed before its file was whole:
        killed = store.consumer_batch("desk")
    assert killed[1] == 1
    (out / f"desk-{killed[0]:08d}.jsonl").write_text('{"article_id": "AEN2023', encoding="utf-8")  # cut off
    assert "1 new article versions for desk" in export_new("desk")  # the same rows, the same file
    assert "nothing new for desk" in export_new("desk")
    files = rows("desk")
    assert len(files) == 2 and files[-1] == f"desk-{killed[0]:08d}.jsonl"
    given = [r["article_id"] for name in files for r in read_feed(out / name, "jsonl")]
    assert sorted(given) == sorted(r["article_id"] for r in (ORIGINAL, OTHER, LEAD))  # each once
    assert "3 new article versions for archive" in export_new("archive")  # consumers are apart


@pytest.mark.parametrize("arguments, message", [
    (["--new", "../x"], "a consumer name is"),
    (["--new", "desk", "x.jsonl"], "give neither feed files nor --latest"),
    (["--new", "desk", "--latest"], "give neither feed files nor --latest"),
])
def test_export_new_refuses_bad_input_in_one_line(tmp_path, arguments, message):
    result = subprocess.run([sys.executable, "-m", "newscrawl", "export", *arguments, "--state",
                             str(tmp_path / "s.sqlite3"), "-o", str(tmp_path)], capture_output=True, text=True,
                            env=clean_env(), cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_export_new_into_a_directory_that_does_not_exist_is_refused(tmp_path):
    result = subprocess.run([sys.executable, "-m", "newscrawl", "export", "--new", "desk", "--state",
                             str(tmp_path / "s.sqlite3"), "-o", str(tmp_path / "nope")], capture_output=True, text=True,
                            env=clean_env(), cwd=tmp_path)
    assert result.returncode == 2 and "names an existing directory" in result.stderr


def test_two_exports_for_one_consumer_at_once_split_the_rows_without_overlap(location, tmp_path):
    with StateStore(location) as store:
        store.record([record(article_id) for article_id in IDS])
    with StateStore(location) as one, StateStore(location) as two:
        first = one.consumer_batch("desk")
        second = two.consumer_batch("desk")  # the first is unfinished: the same export again
        assert first == second == (first[0], len(IDS))
        one.finish_consumer_export(first[0])
        assert two.consumer_batch("desk") is None


def test_runs_lists_live_and_in_doubt_runs(location, tmp_path):
    with open_store(location, tmp_path, "n") as store:
        run = store.begin_run()
        store.claim_article(IDS[0], run)
        env = clean_env(NEWSCRAWL_NODE_ID="n")
        result = subprocess.run([sys.executable, "-m", "newscrawl", "runs", "--state", location, "--data-dir",
                                 str(tmp_path / "n")], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    header, line = result.stdout.splitlines()[:2]
    assert header.split()[:3] == ["RUN", "STATE", "NODE"]
    assert line.split()[:3] == [str(run), "alive", "n"] and line.split()[-2:] == ["1", "0"]
    assert str(os.getpid()) in line


def test_two_postgres_databases_used_from_one_data_dir_keep_their_runs_apart(postgres_server, postgres_url, tmp_path):
    import psycopg

    other = postgres_url + "_other"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{other.rsplit("/", 1)[1]}"')
        admin.execute(f'CREATE DATABASE "{other.rsplit("/", 1)[1]}"')
    with open_store(postgres_url, tmp_path, "n") as first, open_store(other, tmp_path, "n") as second:
        assert first.begin_run() == second.begin_run() == 1  # each database numbers its runs from 1
        with open_store(other, tmp_path, "n") as third:
            third.begin_run()
            assert third.dead_runs() == []  # run 1 of the other database is alive, and not this one's
        second.finish_run(1, "finished")


@pytest.mark.parametrize("node, message", [("nosuchnode", "has no run of node 'nosuchnode'"),
                                           ("", "--release-node takes a node id")])
def test_releasing_a_node_that_is_not_there_says_so(location, tmp_path, node, message):
    with open_store(location, tmp_path, "n") as store:
        store.finish_run(store.begin_run(), "finished")
    result = subprocess.run([sys.executable, "-m", "newscrawl", "runs", "--state", location, "--release-node", node],
                            capture_output=True, text=True, env=clean_env(), cwd=tmp_path)
    assert result.returncode in (1, 2) and message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("url", ["postgresql://[bad", "postgresql://u:secret@127.0.0.1:99999/x"])
def test_a_malformed_postgres_url_gets_one_line(tmp_path, url):
    for command in (["runs", "--state", url], ["export", "--state", url, "-o", "x.jsonl"],
                    ["export", "--new", "desk", "--state", url, "-o", str(tmp_path)]):
        result = subprocess.run([sys.executable, "-m", "newscrawl", *command], capture_output=True, text=True,
                                env=clean_env(), cwd=tmp_path)
        assert result.returncode == 1 and "Traceback" not in result.stderr and "secret" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "written again" not in result.stderr


def test_a_crawl_frozen_holding_the_sqlite_write_lock_stops_the_other_cleanly(tmp_path):
    """A write takes milliseconds; a crawl frozen inside one holds SQLite's write lock.
    The other crawl waits NEWSCRAWL_STATE_BUSY_SECONDS, then stops with one line."""
    from conftest import run_crawl
    from test_incremental import start_mirror

    store = tmp_path / "s.sqlite3"
    StateStore(store).close()
    holder = subprocess.Popen([sys.executable, "-c", "import sqlite3, sys, time; db = sqlite3.connect(sys.argv[1], "
                               "isolation_level=None); db.execute('BEGIN IMMEDIATE'); print('held', flush=True); "
                               "time.sleep(60)", str(store)], stdout=subprocess.PIPE, text=True)
    mirror = start_mirror()
    try:
        assert holder.stdout.readline().strip() == "held"
        holder.send_signal(signal.SIGSTOP)  # frozen inside its write
        status, log = run_crawl(mirror.base_url, "-O", "out.jsonl", "-s", "NEWSCRAWL_STATE_BUSY_SECONDS=2", cwd=tmp_path,
                                env={"NEWSCRAWL_STATE_PATH": str(store)})
    finally:
        mirror.stop()
        holder.kill()
        holder.wait()
    assert status == 1 and "Traceback" not in log, log[-3000:]
    assert "database is locked" in log.strip().splitlines()[-1]
