"""Incremental crawls against the mirror: skip what was exported, follow revisions,
survive kill -9 and pause/resume, refuse a broken state store."""
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import DISALLOWED_ID, DISALLOWED_PAGE, REAL_PAGES, clean_env, crawl_command, run_crawl, stats_from_log
from newscrawl.components.dupefilter import CLEAN_MARKER
from newscrawl.items import INT_FIELDS, LIST_FIELDS
from newscrawl.mirror import MirrorServer, build_site, load_articles
from newscrawl.feeds.records import read_feed
from newscrawl.state import StateStore

REAL_IDS = sorted(p.stem for p in REAL_PAGES)
STATE = Path("data", "state", "newscrawl.sqlite3")
# A (LEAD) version of a real story: same story_id, version 51 instead of 00.
ORIGINAL_ID, LEAD_ID = "AEN20230419004700315", "AEN20230419004751315"


def lead_version_page() -> bytes:
    page = next(p for p in REAL_PAGES if p.stem == ORIGINAL_ID).read_bytes()
    return (page.replace(ORIGINAL_ID.encode(), LEAD_ID.encode())
            .replace(b'<h1 class="tit" data-cid="">Top KBO', b'<h1 class="tit" data-cid="">(LEAD) Top KBO')
            .replace(b"<title>Top KBO", b"<title>(LEAD) Top KBO"))


def start_mirror(extra_pages=(), article_delay=0.0) -> MirrorServer:
    articles = load_articles([*REAL_PAGES, DISALLOWED_PAGE])
    site = build_site(articles, [DISALLOWED_ID])
    for path, body in extra_pages:
        site[path] = ("text/html; charset=utf-8", body)
    server = MirrorServer(site, article_delay=article_delay)
    return server.start()


def feed_rows(directory: Path) -> list[dict]:
    rows = []
    for path in sorted(directory.rglob("*")):
        fmt = {".jsonl": "jsonl", ".json": "json", ".csv": "csv"}.get(path.suffix)
        if fmt and not path.name.endswith(".report.json"):
            rows += list(read_feed(path, fmt, LIST_FIELDS, INT_FIELDS))
    return rows


def test_second_run_fetches_no_known_article_and_new_revisions_are_exported(tmp_path):
    server = start_mirror()
    try:
        status, log = run_crawl(server.base_url, cwd=tmp_path)
        assert status == 0, log[-3000:]
        first = stats_from_log(log)
        assert first["newscrawl/incremental/recorded"] == 11
        assert first["newscrawl/incremental/known_at_start"] == 0
        # RSS, sitemap and listing link each article: counted once (the 12th is robots.txt-forbidden).
        assert first["newscrawl/articles/requested"] == 12 and first["newscrawl/request_failed/robots"] == 1
        assert "did not exist: started empty" in log
        requests_after_first = dict(server.requests)

        status, log = run_crawl(server.base_url, cwd=tmp_path)
        assert status == 0, log[-3000:]
        second = stats_from_log(log)
        # RSS, sitemap and listing are read again; no article page is requested.
        for path, count in server.requests.items():
            if path.startswith("/view/"):
                assert count == requests_after_first[path], path
            elif path != "/robots.txt":
                assert count == requests_after_first[path] + 1, path
        assert second["newscrawl/incremental/skipped"] == 11  # once per article, not per link
        assert second["newscrawl/incremental/known_at_start"] == 11
        assert "item_scraped_count" not in second
    finally:
        server.stop()

    # The site publishes a (LEAD) version of one story: only it is fetched and exported.
    server = start_mirror([(f"/view/{LEAD_ID}", lead_version_page())])
    try:
        # The mirror's feeds do not list it; an explicit URL stands for a feed entry.
        status, log = run_crawl(server.base_url, "-a", f"urls={server.base_url}/view/{LEAD_ID},"
                                f"{server.base_url}/view/{ORIGINAL_ID}", cwd=tmp_path)
        assert status == 0, log[-3000:]
        assert server.requests == {"/robots.txt": 1, f"/view/{LEAD_ID}": 1}
        third = stats_from_log(log)
        assert third["item_scraped_count"] == 1 and third["newscrawl/incremental/skipped"] == 1
    finally:
        server.stop()

    rows = feed_rows(tmp_path / "data" / "feeds")
    assert sorted(r["article_id"] for r in rows) == sorted([*REAL_IDS, LEAD_ID])
    lead = next(r for r in rows if r["article_id"] == LEAD_ID)
    assert (lead["story_id"], lead["revision"], lead["headline_prefix"]) == ("AEN202304190047", 1, "(LEAD)")

    # The latest view: one row per story, the (LEAD) in place of the original.
    for source in ([], sorted(str(p) for p in (tmp_path / "data" / "feeds").glob("*.jsonl"))):
        result = subprocess.run([sys.executable, "-m", "newscrawl", "export", "--latest", "-o", "stories.jsonl", *source],
                                cwd=tmp_path, capture_output=True, text=True, env=clean_env())
        assert result.returncode == 0, result.stderr
        latest = [json.loads(line) for line in (tmp_path / "stories.jsonl").read_text().splitlines()]
        assert sorted(r["article_id"] for r in latest) == sorted([LEAD_ID, *(i for i in REAL_IDS if i != ORIGINAL_ID)])
        assert "11 stories (latest revision of each)" in result.stderr
    result = subprocess.run([sys.executable, "-m", "newscrawl", "export", "-o", "all.csv"], cwd=tmp_path,
                            capture_output=True, text=True, env=clean_env())
    assert result.returncode == 0 and "12 article versions" in result.stderr


def test_articles_this_run_exported_are_not_counted_as_exported_before(tmp_path):
    # Commits every 2 items while RSS, sitemap and listing keep linking the same articles.
    server = start_mirror()
    try:
        status, log = run_crawl(server.base_url, "-s", "NEWSCRAWL_STATE_BATCH_SIZE=2", "-s", "CONCURRENT_REQUESTS=1",
                                cwd=tmp_path)
    finally:
        server.stop()
    assert status == 0, log[-3000:]
    stats = stats_from_log(log)
    assert stats["item_scraped_count"] == 11
    assert "newscrawl/incremental/skipped" not in stats
    assert stats["newscrawl/articles/requested"] == 12 and stats["newscrawl/request_failed/robots"] == 1
    assert all(server.requests[f"/view/{i}"] == 1 for i in REAL_IDS)


def test_explicit_urls_are_skipped_when_exported_unless_refetch(tmp_path):
    server = start_mirror()
    try:
        urls = f"urls={server.base_url}/view/{REAL_IDS[0]},https://m-en.yna.co.kr/view/{REAL_IDS[1]}?input=x"
        status, log = run_crawl(server.base_url, "-a", urls, "-O", "a.jsonl", cwd=tmp_path)
        assert status == 0 and stats_from_log(log)["item_scraped_count"] == 2
        status, log = run_crawl(server.base_url, "-a", urls, "-O", "b.jsonl", cwd=tmp_path)
        assert status == 0 and stats_from_log(log)["newscrawl/incremental/skipped"] == 2
        assert (tmp_path / "b.jsonl").read_text() == ""
        assert server.requests[f"/view/{REAL_IDS[0]}"] == 1
        status, log = run_crawl(server.base_url, "-a", urls, "-a", "refetch=yes", "-O", "c.jsonl", cwd=tmp_path)
        assert status == 0 and stats_from_log(log)["item_scraped_count"] == 2
        assert server.requests[f"/view/{REAL_IDS[0]}"] == 2
        status, log = run_crawl(server.base_url, "-a", urls, "-a", "refetch=maybe", cwd=tmp_path)
        assert status == 2 and "refetch must be true or false, got 'maybe'" in log
    finally:
        server.stop()
    with StateStore(tmp_path / STATE, create=False) as store:
        assert store.count() == 2


def test_a_corrupt_state_store_stops_the_crawl_before_any_request(tmp_path, mirror):
    state = tmp_path / STATE
    state.parent.mkdir(parents=True)
    state.write_bytes(b"not a database " * 500)
    status, log = run_crawl(mirror.base_url, cwd=tmp_path)
    assert status == 1
    assert "crawl not started: state store" in log and "is not a usable newscrawl state database" in log
    assert "move it aside" in log
    assert "Traceback" not in log
    assert mirror.requests == {}
    assert state.read_bytes() == b"not a database " * 500  # left for the user to inspect


def crawl_together(base_url, tmp_path, locations, *args):
    """Start one crawl per store location at the same instant; (statuses, logs)."""
    processes = []
    for index, location in enumerate(locations):
        key = "NEWSCRAWL_STATE_URL" if str(location).startswith("postgresql://") else "NEWSCRAWL_STATE_PATH"
        command, environment = crawl_command(base_url, "-O", f"out/feed{index}.jsonl", *args,
                                             env={key: str(location)})
        processes.append(subprocess.Popen(command, cwd=tmp_path, env=environment, stderr=subprocess.PIPE, text=True))
    logs = [process.communicate(timeout=300)[1] for process in processes]
    return [process.returncode for process in processes], logs


def test_two_crawls_at_once_on_one_store_through_a_symlink_share_it(tmp_path):
    (tmp_path / "store").mkdir()
    (tmp_path / "linked").symlink_to(tmp_path / "store")
    server = start_mirror(article_delay=0.3)
    try:
        statuses, logs = crawl_together(server.base_url, tmp_path, [tmp_path / "store" / "newscrawl.sqlite3",
                                                                    tmp_path / "linked" / "newscrawl.sqlite3"])
    finally:
        server.stop()
    assert statuses == [0, 0], [log[-2000:] for log in logs]
    assert all(server.requests[f"/view/{i}"] == 1 for i in REAL_IDS)  # each page fetched once between them
    assert sorted(r["article_id"] for r in feed_rows(tmp_path / "out")) == REAL_IDS  # no duplicate rows


def wait_for_rows(path_glob, directory: Path, minimum: int, process, timeout=60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the crawl ended before it could be interrupted"
        files = list(directory.glob(path_glob))
        if files and len(feed_rows(directory)) >= minimum:
            return
        time.sleep(0.05)
    raise AssertionError("no rows appeared")


@pytest.mark.parametrize("fmt,batch", [("jsonlines", 2), ("csv", 100), ("json", 3)])
def test_kill_9_mid_crawl_then_rerun_exports_every_article_exactly_once(tmp_path, fmt, batch):
    suffix = {"jsonlines": "jsonl", "csv": "csv", "json": "json"}[fmt]
    feeds = json.dumps({f"out/%(time)s.{suffix}": {"format": fmt}})
    args = ("-s", f"FEEDS={feeds}", "-s", f"NEWSCRAWL_STATE_BATCH_SIZE={batch}", "-s", "CONCURRENT_REQUESTS=1")
    server = start_mirror(article_delay=0.3)
    try:
        command, env = crawl_command(server.base_url, *args)
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for_rows(f"*.{suffix}", tmp_path / "out", 5, process)
        finally:
            process.kill()
            process.communicate()
        interrupted = feed_rows(tmp_path / "out")
        assert 5 <= len(interrupted) < 11

        server.article_delay = 0
        status, log = run_crawl(server.base_url, *args, cwd=tmp_path)
        assert status == 0, log[-3000:]
        stats = stats_from_log(log)
    finally:
        server.stop()
    assert stats["newscrawl/incremental/known_at_start"] == len(interrupted)
    if batch > len(interrupted):  # nothing was committed before the kill: all recovered from the feed
        assert stats["newscrawl/incremental/recovered"] == len(interrupted)
        assert f"{len(interrupted)} rows of an interrupted run taken from its feed files" in log
    feeds = [p for p in (tmp_path / "out").glob(f"*.{suffix}") if not p.name.endswith(".report.json")]
    assert len(feeds) == 2
    assert sorted(r["article_id"] for r in feed_rows(tmp_path / "out")) == REAL_IDS


def test_pause_and_resume_with_jobdir(tmp_path):
    args = ("-s", "JOBDIR=job", "-s", "CONCURRENT_REQUESTS=1", "-a", "discover=rss")
    server = start_mirror(article_delay=0.3)
    try:
        command, env = crawl_command(server.base_url, *args)
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True)
        wait_for_rows("*.jsonl", tmp_path / "data" / "feeds", 3, process)
        process.send_signal(signal.SIGINT)  # Ctrl-C once: finish what is in flight, keep the queue
        _, log = process.communicate(timeout=60)
        assert process.returncode == 0, log[-3000:]
        assert "'finish_reason': 'shutdown'" in log
        paused = feed_rows(tmp_path / "data" / "feeds")
        assert 3 <= len(paused) < 11
        assert (tmp_path / "job" / "requests.queue").is_dir()

        server.article_delay = 0
        status, log = run_crawl(server.base_url, *args, cwd=tmp_path)
        assert status == 0, log[-3000:]
    finally:
        server.stop()
    assert "'finish_reason': 'finished'" in log
    # The queue held a round of article requests; the RSS, left part-way at the pause, is read again.
    assert server.requests["/RSS/news.xml"] == 2
    assert sorted(r["article_id"] for r in feed_rows(tmp_path / "data" / "feeds")) == REAL_IDS
    assert all(server.requests[f"/view/{i}"] == 1 for i in REAL_IDS)


def test_resume_after_kill_9_with_jobdir_loses_nothing(tmp_path):
    args = ("-s", "JOBDIR=job", "-s", "CONCURRENT_REQUESTS=1", "-s", "NEWSCRAWL_STATE_BATCH_SIZE=2")
    server = start_mirror(article_delay=0.3)
    try:
        command, env = crawl_command(server.base_url, *args)
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for_rows("*.jsonl", tmp_path / "data" / "feeds", 3, process)
        finally:
            process.kill()
            process.communicate()
        killed = feed_rows(tmp_path / "data" / "feeds")
        assert 3 <= len(killed) < 11

        server.article_delay = 0
        status, log = run_crawl(server.base_url, *args, cwd=tmp_path)
        assert status == 0, log[-3000:]
        assert "was not shut down cleanly" in log and stats_from_log(log)["newscrawl/jobdir/untrusted"] == 1
        assert (tmp_path / "job" / CLEAN_MARKER).is_file()  # closed cleanly: trusted next time
    finally:
        server.stop()
    assert sorted(r["article_id"] for r in feed_rows(tmp_path / "data" / "feeds")) == REAL_IDS


def test_a_crawl_on_a_postgres_store(postgres_url, tmp_path):
    url = postgres_url.replace("postgres@", "postgres:s3cret-pw@")  # trust auth: the password is only to be hidden
    env = {"NEWSCRAWL_STATE_URL": url}
    server = start_mirror()
    try:
        status, log = run_crawl(server.base_url, "-O", "first.jsonl", cwd=tmp_path, env=env)
        assert status == 0, log[-3000:]
        assert sorted(json.loads(line)["article_id"] for line in (tmp_path / "first.jsonl").open()) == REAL_IDS
        server.requests.clear()
        status, log = run_crawl(server.base_url, "-O", "second.jsonl", cwd=tmp_path, env=env)
        assert status == 0, log[-3000:]
        assert not any(path.startswith("/view/") for path in server.requests)  # every article known
        assert stats_from_log(log)["newscrawl/incremental/known_at_start"] == len(REAL_IDS)
        assert "s3cret-pw" not in log and "postgres:***@" in log
    finally:
        server.stop()
    page = subprocess.run([sys.executable, "-m", "newscrawl", "page", REAL_IDS[0], "--state", url],
                          capture_output=True, env=clean_env(), timeout=60)
    assert page.returncode == 0 and REAL_IDS[0].encode() in page.stdout


def test_a_postgres_store_that_is_down_stops_the_crawl_before_any_request(tmp_path, mirror):
    env = {"NEWSCRAWL_STATE_URL": "postgresql://newscrawl:s3cret-pw@127.0.0.1:9/newscrawl"}
    status, log = run_crawl(mirror.base_url, "-O", "x.jsonl", cwd=tmp_path, env=env)
    assert status == 1 and "crawl not started: state store" in log and "cannot be reached" in log
    assert "s3cret-pw" not in log and "Traceback" not in log
    assert mirror.requests == {}


@pytest.fixture
def store_location(request, tmp_path):
    """A store on each backend: a SQLite file, or a database on a real PostgreSQL server."""
    if request.param == "sqlite":
        return tmp_path / "shared" / "newscrawl.sqlite3"
    return request.getfixturevalue("postgres_url")


def synthetic_mirror(count: int, article_delay: float = 0.0) -> MirrorServer:
    from newscrawl.mirror import synthetic_articles

    articles = synthetic_articles(load_articles(REAL_PAGES), count, seed=7)
    return MirrorServer(build_site(articles, listing_page_size=20), article_delay=article_delay).start()


def article_requests(server) -> dict[str, int]:
    return {path: count for path, count in server.requests.items() if path.startswith("/view/")}


@pytest.mark.parametrize("store_location", ["sqlite", "postgres"], indirect=True)
def test_two_crawls_at_once_fetch_and_export_each_article_once(store_location, tmp_path):
    server = synthetic_mirror(500)
    try:
        statuses, logs = crawl_together(server.base_url, tmp_path, [store_location, store_location],
                                        "-a", "discover=listing", "-a", "max_pages=30",
                                        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8")
    finally:
        server.stop()
    assert statuses == [0, 0], [log[-2000:] for log in logs]
    requested = article_requests(server)
    assert len(requested) == 500 and set(requested.values()) == {1}  # every article requested once
    rows = [row["article_id"] for row in feed_rows(tmp_path / "out")]
    assert len(rows) == len(set(rows)) == 500  # and exported once
    assert all(stats_from_log(log).get("item_scraped_count", 0) > 0 for log in logs)  # both did work
    # Each article counted as requested by the one crawl that claimed it.
    assert sum(stats_from_log(log).get("newscrawl/articles/requested", 0) for log in logs) == 500
    with StateStore(store_location) as store:
        assert store.count() == 500


@pytest.mark.parametrize("store_location", ["sqlite", "postgres"], indirect=True)
def test_one_of_two_crawls_killed_then_run_again_still_exactly_once(store_location, tmp_path):
    key = "NEWSCRAWL_STATE_URL" if str(store_location).startswith("postgresql://") else "NEWSCRAWL_STATE_PATH"
    server = synthetic_mirror(200, article_delay=0.05)
    args = ("-a", "discover=listing", "-a", "max_pages=20", "-s", "NEWSCRAWL_STATE_BATCH_SIZE=5")
    try:
        command, environment = crawl_command(server.base_url, "-O", "out/killed.jsonl", *args,
                                             env={key: str(store_location)})
        victim = subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        survivor_command, _ = crawl_command(server.base_url, "-O", "out/survivor.jsonl", *args)
        survivor = subprocess.Popen(survivor_command, cwd=tmp_path, env=environment, stderr=subprocess.PIPE, text=True)
        wait_for_rows("killed.jsonl", tmp_path / "out", 10, victim)
        victim.kill()
        victim.wait()
        _, survivor_log = survivor.communicate(timeout=300)
        assert survivor.returncode == 0, survivor_log[-3000:]
        server.article_delay = 0
        status, log = run_crawl(server.base_url, "-O", "out/again.jsonl", *args, cwd=tmp_path,
                                env={key: str(store_location)})
        assert status == 0, log[-3000:]
    finally:
        server.stop()
    rows = [row["article_id"] for row in feed_rows(tmp_path / "out")]
    assert len(rows) == len(set(rows)) == 200  # the killed crawl's rows counted once, the rest fetched
    with StateStore(store_location) as store:
        assert store.count() == 200


def test_a_postgres_store_lost_mid_run_stops_the_crawl_cleanly_and_loses_nothing(postgres_server, postgres_url,
                                                                                   tmp_path):
    env = {"NEWSCRAWL_STATE_URL": postgres_url}
    server = synthetic_mirror(100, article_delay=0.1)
    args = ("-a", "discover=listing", "-a", "max_pages=10", "-s", "NEWSCRAWL_STATE_BATCH_SIZE=5",
            "-s", "CONCURRENT_REQUESTS=2")
    try:
        command, environment = crawl_command(server.base_url, "-O", "out/lost.jsonl", *args, env=env)
        crawl = subprocess.Popen(command, cwd=tmp_path, env=environment, stderr=subprocess.PIPE, text=True)
        wait_for_rows("lost.jsonl", tmp_path / "out", 10, crawl)
        postgres_server.stop()
        try:
            _, log = crawl.communicate(timeout=120)
        finally:
            postgres_server.start()
        assert crawl.returncode == 1, log[-3000:]
        assert "Traceback" not in log
        assert "crawl stopped: state store" in log.strip().splitlines()[-1] and " lost: " in log
        server.article_delay = 0
        status, log = run_crawl(server.base_url, "-O", "out/again.jsonl", *args, cwd=tmp_path, env=env)
        assert status == 0, log[-3000:]
    finally:
        server.stop()
    rows = [row["article_id"] for row in feed_rows(tmp_path / "out")]
    assert len(rows) == len(set(rows)) == 100  # what the lost run wrote counted once, the rest fetched


def test_the_state_store_lives_under_the_data_dir_a_crawl_is_given(tmp_path):
    server = start_mirror()
    try:
        status, log = run_crawl(server.base_url, "-a", "discover=rss", "-s", f"NEWSCRAWL_DATA_DIR={tmp_path / 'node'}",
                                cwd=tmp_path)
    finally:
        server.stop()
    assert status == 0, log[-2000:]
    assert (tmp_path / "node" / "state" / "newscrawl.sqlite3").is_file()  # beside its feeds and archive
    assert not (tmp_path / "data").exists()
