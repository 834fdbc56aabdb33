"""Exactly once whatever dies, pauses or restarts: real crawls against the mirror, on
SQLite and a real PostgreSQL, killed with -9 and restarted at once, frozen with SIGSTOP,
on two nodes with their own data dirs, fenced after losing their session, and two
crawls writing WARC files into one directory (docs/reliability.md, "Exactly once")."""
import signal
import subprocess
import sys

import psycopg
import pytest

from conftest import REAL_PAGES, clean_env, crawl_command, run_crawl, stats_from_log
from newscrawl.state import StateStore
from test_incremental import (feed_rows, start_mirror, store_location,  # noqa: F401 - a fixture
                              synthetic_mirror, wait_for_rows)

REAL_IDS = sorted(p.stem for p in REAL_PAGES)


def state_env(location, **extra) -> dict:
    key = "NEWSCRAWL_STATE_URL" if str(location).startswith("postgresql://") else "NEWSCRAWL_STATE_PATH"
    return {key: str(location), **extra}


def ids(rows) -> list[str]:
    return sorted(row["article_id"] for row in rows)


def kill_9_mid_crawl(server, tmp_path, feed: str, *args, env, rows: int = 3) -> list[str]:
    """A crawl writing `feed` (under tmp_path) killed with -9 once it holds `rows` rows;
    the ids in that feed."""
    command, environment = crawl_command(server.base_url, "-O", feed, *args, env=env)
    victim = subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    path = tmp_path / feed
    wait_for_rows(path.name, path.parent, rows, victim)
    victim.kill()
    victim.wait()
    return ids(feed_rows(path.parent))


@pytest.mark.parametrize("store_location", ["sqlite", "postgres"], indirect=True)
def test_kill_9_and_the_next_crawl_started_at_once_export_every_article_once(store_location, tmp_path):
    server = synthetic_mirror(16, article_delay=0.3)
    args = ("-s", "JOBDIR=job", "-s", "CONCURRENT_REQUESTS=2", "-a", "discover=listing", "-a", "max_pages=1")
    env = state_env(store_location)
    try:
        command, environment = crawl_command(server.base_url, *args, env=env)
        victim = subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        wait_for_rows("*.jsonl", tmp_path / "data" / "feeds", 3, victim)
        victim.kill()  # and at once, while the kernel tears it down, the next crawl (Restart=always)
        server.article_delay = 0
        command, environment = crawl_command(server.base_url, *args, env=env)
        again = subprocess.run(command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)
        victim.wait()
    finally:
        server.stop()
    assert again.returncode == 0, again.stderr[-3000:]
    rows = ids(feed_rows(tmp_path / "data" / "feeds"))
    assert len(rows) == len(set(rows)) == 16
    stats = stats_from_log(again.stderr)
    assert stats.get("newscrawl/incremental/held_elsewhere", 0) == 0
    with StateStore(store_location) as store:
        assert store.count() == 16


@pytest.mark.parametrize("store_location", ["sqlite", "postgres"], indirect=True)
def test_a_paused_crawl_keeps_its_articles_and_the_other_crawl_says_how_many(store_location, tmp_path):
    server = start_mirror(article_delay=0.5)
    env = state_env(store_location)
    try:
        command, environment = crawl_command(server.base_url, "-O", "out/paused.jsonl", "-a", "discover=rss",
                                             "-s", "CONCURRENT_REQUESTS=2", env=env)
        paused = subprocess.Popen(command, cwd=tmp_path, env=environment, stderr=subprocess.PIPE, text=True)
        wait_for_rows("paused.jsonl", tmp_path / "out", 2, paused)
        paused.send_signal(signal.SIGSTOP)  # a VM pause, a cgroup freeze
        try:
            server.article_delay = 0
            status, log = run_crawl(server.base_url, "-O", "out/other.jsonl", "-a", "discover=rss",
                                    "-s", "NEWSCRAWL_STATE_CHECK_SECONDS=1", cwd=tmp_path, env=env)
        finally:
            paused.send_signal(signal.SIGCONT)
        _, paused_log = paused.communicate(timeout=120)
    finally:
        server.stop()
    assert status == 0, log[-3000:]
    held = stats_from_log(log)["newscrawl/incremental/held_elsewhere"]
    assert held >= 1
    last = log.strip().splitlines()[-1]
    assert "crawl finished: " in last and f"({held} still held by it)" in last and "`newscrawl runs` shows it" in last
    assert paused.returncode == 0, paused_log[-3000:]
    rows = ids(feed_rows(tmp_path / "out"))
    assert rows == REAL_IDS  # each exactly once across both feeds
    assert all(server.requests[f"/view/{article_id}"] == 1 for article_id in REAL_IDS)  # each fetched once


def test_two_nodes_one_killed_with_rows_in_flight_then_back_exactly_once(postgres_url, tmp_path):
    server = start_mirror(article_delay=0.3)
    node_a = state_env(postgres_url, NEWSCRAWL_NODE_ID="a", NEWSCRAWL_DATA_DIR=str(tmp_path / "a"))
    node_b = state_env(postgres_url, NEWSCRAWL_NODE_ID="b", NEWSCRAWL_DATA_DIR=str(tmp_path / "b"))
    args = ("-a", "discover=rss", "-s", "CONCURRENT_REQUESTS=1", "-s", "NEWSCRAWL_STATE_BATCH_SIZE=100")
    try:
        in_flight = kill_9_mid_crawl(server, tmp_path, "a/first.jsonl", *args, env=node_a)  # on node a's disk
        with StateStore(postgres_url) as store:
            assert store.count() == 0
        server.article_delay = 0
        status, log = run_crawl(server.base_url, "-O", "b/only.jsonl", *args, cwd=tmp_path, env=node_b)
        assert status == 0, log[-3000:]
        exported_by_b = ids(feed_rows(tmp_path / "b"))
        assert not set(exported_by_b) & set(in_flight)  # node a's rows are in doubt, not free
        assert stats_from_log(log)["newscrawl/incremental/held_elsewhere"] == len(in_flight)
        status, log = run_crawl(server.base_url, "-O", "a/again.jsonl", *args, cwd=tmp_path, env=node_a)
        assert status == 0, log[-3000:]
        assert stats_from_log(log)["newscrawl/incremental/recovered"] == len(in_flight)
    finally:
        server.stop()
    everything = ids(feed_rows(tmp_path / "a") + feed_rows(tmp_path / "b"))
    assert everything == REAL_IDS  # every article exactly once across both nodes' feeds
    with StateStore(postgres_url) as store:
        assert store.count() == len(REAL_IDS)


@pytest.mark.parametrize("store_location", ["sqlite", "postgres"], indirect=True)
def test_rows_taken_in_after_a_kill_keep_their_archived_page(store_location, tmp_path):
    server = start_mirror(article_delay=0.3)
    env = state_env(store_location)
    args = ("-a", "discover=rss", "-s", "CONCURRENT_REQUESTS=1", "-s", "NEWSCRAWL_STATE_BATCH_SIZE=100")
    try:
        recovered = kill_9_mid_crawl(server, tmp_path, "out/killed.jsonl", *args, env=env)
        server.article_delay = 0
        status, log = run_crawl(server.base_url, "-O", "out/again.jsonl", *args, cwd=tmp_path, env=env)
        assert status == 0, log[-3000:]
        assert stats_from_log(log)["newscrawl/incremental/recovered"] == len(recovered)
    finally:
        server.stop()
    for article_id in recovered:
        page = subprocess.run([sys.executable, "-m", "newscrawl", "page", article_id, "--state", str(store_location)],
                              cwd=tmp_path, capture_output=True, env=clean_env(), timeout=60)
        assert page.returncode == 0, page.stderr
        assert page.stdout == server.site[f"/view/{article_id}"][1]  # byte for byte, from the sealed file


def test_a_second_crawl_in_the_same_warc_directory_leaves_the_running_crawls_file_alone(tmp_path):
    server = start_mirror(article_delay=0.3)
    try:
        command, environment = crawl_command(server.base_url, "-O", "out/first.jsonl", "-a", "discover=rss",
                                             "-s", "CONCURRENT_REQUESTS=1")
        first = subprocess.Popen(command, cwd=tmp_path, env=environment, stderr=subprocess.PIPE, text=True)
        wait_for_rows("first.jsonl", tmp_path / "out", 2, first)
        status, second_log = run_crawl(server.base_url, "-O", "out/second.jsonl", "-a", "discover=rss",
                                       cwd=tmp_path)
        _, first_log = first.communicate(timeout=120)
    finally:
        server.stop()
    assert status == 0, second_log[-3000:]
    assert first.returncode == 0, first_log[-3000:]
    assert "left open by an interrupted crawl" not in second_log
    assert "Traceback" not in first_log and "FileNotFoundError" not in first_log
    assert ids(feed_rows(tmp_path / "out")) == REAL_IDS
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, (tmp_path / "data" / "warc").glob("*"))],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert not list((tmp_path / "data" / "warc").glob("*.open"))


def test_a_crawl_declared_dead_while_its_session_was_lost_stops_without_writing(postgres_url, tmp_path):
    server = start_mirror(article_delay=0.3)
    node_a = state_env(postgres_url, NEWSCRAWL_NODE_ID="a", NEWSCRAWL_DATA_DIR=str(tmp_path / "a"))
    node_b = state_env(postgres_url, NEWSCRAWL_NODE_ID="b", NEWSCRAWL_DATA_DIR=str(tmp_path / "b"))
    args = ("-a", "discover=rss", "-s", "CONCURRENT_REQUESTS=1")
    try:
        command, environment = crawl_command(server.base_url, "-O", "a/fenced.jsonl", *args, env=node_a)
        fenced = subprocess.Popen(command, cwd=tmp_path, env=environment, stderr=subprocess.PIPE, text=True)
        wait_for_rows("fenced.jsonl", tmp_path / "a", 2, fenced)
        fenced.send_signal(signal.SIGSTOP)
        try:
            with psycopg.connect(postgres_url, autocommit=True) as admin:  # its session ends: a network cut
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name"
                              " LIKE 'newscrawl run %'")
            server.article_delay = 0
            status, log = run_crawl(server.base_url, "-O", "b/taker.jsonl", *args, cwd=tmp_path, env=node_b)
            assert status == 0, log[-3000:]
            written_while_paused = len(feed_rows(tmp_path / "a"))
        finally:
            fenced.send_signal(signal.SIGCONT)
        _, fenced_log = fenced.communicate(timeout=120)
        assert fenced.returncode == 1, fenced_log[-3000:]
        assert "Traceback" not in fenced_log
        last = fenced_log.strip().splitlines()[-1]
        assert "crawl stopped:" in last and "declared dead" in fenced_log
        assert len(feed_rows(tmp_path / "a")) == written_while_paused  # nothing written once fenced
        status, log = run_crawl(server.base_url, "-O", "a/again.jsonl", *args, cwd=tmp_path, env=node_a)
        assert status == 0, log[-3000:]
    finally:
        server.stop()
    assert ids(feed_rows(tmp_path / "a") + feed_rows(tmp_path / "b")) == REAL_IDS


# -- a node that vanishes: its own network namespace, cut off ----------------------------
def _ip(*args, namespace=None):
    prefix = ["ip", "netns", "exec", namespace] if namespace else []
    subprocess.run([*prefix, "ip", *args], check=True, capture_output=True)


@pytest.fixture
def vanishing_node(tmp_path):
    """Two network namespaces of the test's own, joined by a veth pair: "db" runs a
    PostgreSQL server and the mirror, "a" runs a crawl; cutting the link makes node a
    vanish without a FIN or RST, as a machine that loses power does."""
    import os
    import shutil

    from conftest import PostgresServer, _postgres_program, free_port

    initdb, pg_ctl = _postgres_program("initdb"), _postgres_program("pg_ctl")
    if os.geteuid() != 0 or shutil.which("ip") is None or initdb is None:
        pytest.skip("needs root, iproute2 and PostgreSQL (.ci/run installs them)")
    tag = f"{os.getpid() % 100000}"
    db_ns, a_ns, db_if, a_if = f"ncdb{tag}", f"nca{tag}", f"ncd{tag}", f"ncx{tag}"
    db_ip, a_ip = "10.231.7.1", "10.231.7.2"  # inside the namespaces made here, nowhere else
    created = []
    try:
        for namespace in (db_ns, a_ns):
            _ip("netns", "add", namespace)
            created.append(namespace)
            _ip("link", "set", "lo", "up", namespace=namespace)
        _ip("link", "add", db_if, "netns", db_ns, "type", "veth", "peer", "name", a_if, "netns", a_ns)
        _ip("addr", "add", f"{db_ip}/30", "dev", db_if, namespace=db_ns)
        _ip("addr", "add", f"{a_ip}/30", "dev", a_if, namespace=a_ns)
        _ip("link", "set", db_if, "up", namespace=db_ns)
        _ip("link", "set", a_if, "up", namespace=a_ns)
    except subprocess.CalledProcessError as error:
        for namespace in created:
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)
        pytest.skip(f"network namespaces are not available here: {error.stderr!r}")
    server = PostgresServer(initdb, pg_ctl)
    server.as_postgres = ["ip", "netns", "exec", db_ns, *server.as_postgres]
    server.listen = f"127.0.0.1,{db_ip}"
    with open(server.base / "data" / "pg_hba.conf", "a") as hba:  # the two hosts of the test's own network
        hba.write("host all all 10.231.7.0/30 trust\n")
    mirror_port = free_port()
    mirror = None
    try:
        subprocess.run([*server.as_postgres, pg_ctl, "-D", str(server.base / "data"), "-l", str(server.base / "log"),
                        "-w", "-o", f"-p {server.port} -k {server.base} -c listen_addresses='{server.listen}' "
                        "-c fsync=off", "start"], check=True, capture_output=True)
        mirror = subprocess.Popen(["ip", "netns", "exec", db_ns, sys.executable, "-m", "newscrawl", "mirror",
                                   "--host", db_ip, "--port", str(mirror_port), "--article-delay", "0.4",
                                   "--pages", str(REAL_PAGES[0].parent)],
                                  env=clean_env(), stderr=subprocess.PIPE, text=True)
        assert "serving" in mirror.stderr.readline()
        yield {"db": db_ns, "a": a_ns, "a_if": a_if, "state": f"postgresql://postgres@{db_ip}:{server.port}/postgres",
               "site": f"http://{db_ip}:{mirror_port}"}
    finally:
        if mirror is not None:
            mirror.terminate()
            mirror.wait()
        server.stop()
        for namespace in created:
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)
        shutil.rmtree(server.base, ignore_errors=True)


def test_a_node_that_vanishes_is_found_dead_by_the_servers_keepalives(vanishing_node, tmp_path):
    import time

    net = vanishing_node
    node = {name: state_env(net["state"], NEWSCRAWL_NODE_ID=name, NEWSCRAWL_DATA_DIR=str(tmp_path / name))
            for name in ("a", "b")}
    args = ("-a", "discover=rss", "-s", "CONCURRENT_REQUESTS=1", "-s", "NEWSCRAWL_STATE_BATCH_SIZE=100")

    def crawl_in(namespace, feed, env):
        command, environment = crawl_command(net["site"], "-O", feed, *args, env=env)
        return ["ip", "netns", "exec", namespace, *command], environment

    command, environment = crawl_in(net["a"], "a/first.jsonl", node["a"])
    vanishing = subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL,
                                 stderr=open(tmp_path / "vanishing.log", "w"))
    try:
        wait_for_rows("first.jsonl", tmp_path / "a", 3, vanishing)
        _ip("link", "set", net["a_if"], "down", namespace=net["a"])  # node a's machine is gone
        cut = time.monotonic()
        in_flight = ids(feed_rows(tmp_path / "a"))
        # The server notices by itself: no FIN came, only its keepalives go unanswered.
        watch = ("import sys, time, psycopg\n"
                 "db = psycopg.connect(sys.argv[1], autocommit=True)\n"
                 "while db.execute(\"SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE"
                 " 'newscrawl run %'\").fetchone()[0]:\n"
                 "    time.sleep(0.5)\n")
        subprocess.run(["ip", "netns", "exec", net["db"], sys.executable, "-c", watch, net["state"]], check=True,
                       timeout=90, env=clean_env())
        noticed = time.monotonic() - cut
        assert noticed < 45, noticed  # idle 10 s + 3 probes x 5 s, or tcp_user_timeout 15 s
        command, environment = crawl_in(net["db"], "b/taker.jsonl", node["b"])
        taker = subprocess.run(command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)
        assert taker.returncode == 0, taker.stderr[-3000:]
        assert not set(ids(feed_rows(tmp_path / "b"))) & set(in_flight)  # its rows in flight: in doubt
        assert stats_from_log(taker.stderr)["newscrawl/incremental/held_elsewhere"] == len(in_flight)
    finally:
        vanishing.kill()
        vanishing.wait()
    _ip("link", "set", net["a_if"], "up", namespace=net["a"])  # node a is back
    command, environment = crawl_in(net["a"], "a/again.jsonl", node["a"])
    again = subprocess.run(command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr[-3000:]
    assert ids(feed_rows(tmp_path / "a") + feed_rows(tmp_path / "b")) == REAL_IDS
    print(f"the server found the vanished node dead after {noticed:.1f} s")
