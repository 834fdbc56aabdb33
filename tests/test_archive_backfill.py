"""Archive crawls against real servers: a pywb collection (pywb from PyPI), the
Wayback Machine's and Common Crawl's answer shapes in front of it, and archives that
misbehave (docs/archive.md, "Backfilling from public archives")."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from archives import (CHALLENGED, LEGACY_ID, LEGACY_URL, MOBILE_ONLY, NOT_FOUND, OTHER_HOST_ID, PAGES, REDIRECT_TARGET, REDIRECTING, REVISED,
                      TWICE, Pywb, Server, commoncrawl_front, wayback_front)
from conftest import clean_env, crawl_command, stats_from_log
from test_incremental import feed_rows, wait_for_rows

WINDOW = ["-a", "since=2023-04-19", "-a", "until=2023-04-19"]
FAST = ["-s", "NEWSCRAWL_ARCHIVE_DELAY=0", "-s", "NEWSCRAWL_RETRY_BACKOFF_BASE=0.1"]
IN_WINDOW = sorted(page.stem for page in PAGES if page.stem.startswith("AEN20230419"))


@pytest.fixture(scope="module")
def pywb(tmp_path_factory):
    archive = Pywb(tmp_path_factory.mktemp("pywb"))
    yield archive
    archive.stop()


@pytest.fixture(scope="module")
def site():
    """Where the live site would be (YONHAP_BASE_URL): an archive crawl asks it nothing."""
    server = Server(lambda handler: (500, [], b"the live site was asked"))
    yield server
    server.stop()


def crawl(site, workdir: Path, *args, env=None):
    command, environment = crawl_command(site.url, *FAST, "-s", f"NEWSCRAWL_DATA_DIR={workdir / 'data'}", *args,
                                         env=env)
    result = subprocess.run(command, cwd=workdir, env=environment, capture_output=True, text=True, timeout=180)
    return result.returncode, result.stderr


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def newscrawl(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "newscrawl", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, env=clean_env(**(env or {})), timeout=180)


def test_a_backfill_from_pywb_exports_every_version_once_and_asks_the_site_nothing(pywb, site, tmp_path):
    status, log = crawl(site, tmp_path, "-a", f"archive={pywb.url}", *WINDOW, "-o", "feed.jsonl")
    stats = stats_from_log(log)
    assert status == 0 and "Traceback" not in log, log[-3000:]
    exported = {row["article_id"]: row for row in rows(tmp_path / "feed.jsonl")}
    assert sorted(exported) == IN_WINDOW and len(rows(tmp_path / "feed.jsonl")) == len(IN_WINDOW)  # each once
    assert site.requests == []  # nothing asked of the live site
    assert {row["fetched_from"] for row in exported.values()} == {pywb.url}
    # The newest capture of each version; an older one where the newest is no article.
    assert exported[REVISED]["captured_at"] == "2024-04-19T00:00:00+00:00"
    assert exported[REVISED]["modified_at"] == "2023-04-20T09:00:00+09:00"
    assert exported[CHALLENGED]["captured_at"].startswith("2023-05-")
    assert stats["newscrawl/archive/captures/fallbacks"] == 1
    assert exported[MOBILE_ONLY]["captured_at"] == "2023-06-01T10:00:00+00:00"  # found on m-en.yna.co.kr
    assert exported[MOBILE_ONLY]["url"] == f"https://en.yna.co.kr/view/{MOBILE_ONLY}"
    # Captured twice with the same digest: fetched once (the newer).
    replays = [path for path in pywb.requests() if "id_/" in path and TWICE in path]
    assert len(replays) == 1 and exported[TWICE]["captured_at"] == "2024-01-01T00:00:00+00:00"
    # The 302 capture resolved through the index (its target is the 2019 story, outside
    # the window: not fetched), the 404 and another site's page claiming an id not exported.
    assert stats["newscrawl/archive/redirects/read"] == 1
    assert not [path for path in pywb.requests() if "id_/" in path and REDIRECT_TARGET in path]
    assert not {NOT_FOUND, OTHER_HOST_ID, REDIRECTING, REDIRECT_TARGET} & set(exported)

    # Our archive holds each page under its original URI, dated when it was captured.
    state = tmp_path / "data" / "state" / "newscrawl.sqlite3"
    page = newscrawl("page", REVISED, "--state", state, "--headers", cwd=tmp_path)
    assert page.returncode == 0, page.stderr
    assert page.stderr.startswith(f"https://en.yna.co.kr/view/{REVISED}\nWARC-Date: 2024-04-19T00:00:00Z\n"
                                  f"captured by {pywb.url}: {pywb.url}/20240419000000id_/")
    assert "Memento-Datetime" not in page.stderr and b"An added closing paragraph" in page.stdout.encode()
    rebuilt = newscrawl("reextract", tmp_path / "data" / "warc", "-o", tmp_path / "rebuilt.jsonl", cwd=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    again = {row["article_id"]: row for row in rows(tmp_path / "rebuilt.jsonl")}
    assert sorted(again) == IN_WINDOW
    assert {i: (r["fetched_from"], r["captured_at"]) for i, r in again.items() if i in exported} == \
           {i: (r["fetched_from"], r["captured_at"]) for i, r in exported.items()}

    # Again: nothing fetched twice, nothing exported twice.
    status, log = crawl(site, tmp_path, "-a", f"archive={pywb.url}", *WINDOW, "-o", "second.jsonl")
    stats = stats_from_log(log)
    assert status == 0 and rows(tmp_path / "second.jsonl") == []
    assert stats["newscrawl/incremental/skipped"] == len(IN_WINDOW) and "newscrawl/archive/captures/200" not in stats
    assert stats["newscrawl/archive/captures/302"] == 1  # the redirect is read again: its id is no version held
    # refetch: a capture whose digest the stored row came from is passed over, an older
    # one fetched but not exported over a row modified later.
    status, log = crawl(site, tmp_path, "-a", f"archive={pywb.url}", *WINDOW, "-a", "refetch=true",
                        "-o", "refetch.jsonl")
    stats = stats_from_log(log)
    assert rows(tmp_path / "refetch.jsonl") == [] and stats["newscrawl/archive/articles/not_newer"] == 1, log[-2000:]
    assert stats["newscrawl/archive/captures/same_digest"] == len(IN_WINDOW) - 2  # REVISED and CHALLENGED have others
    assert site.requests == []


def test_coverage_lists_what_the_store_lacks_and_the_archive_fills_it(pywb, site, tmp_path):
    state = tmp_path / "data" / "state" / "newscrawl.sqlite3"
    status, log = crawl(site, tmp_path, "-a", f"urls=https://en.yna.co.kr/view/{IN_WINDOW[0]}", "-a",
                        f"archive={pywb.url}", "-o", "one.jsonl")
    assert status == 0 and [row["article_id"] for row in rows(tmp_path / "one.jsonl")] == IN_WINDOW[:1], log[-2000:]
    result = newscrawl("coverage", "--archive", pywb.url, "--since", "2023-04-18", "--until", "2023-04-19", "--state",
                       state, "-o", "missing.txt", "--json", "coverage.json", "--delay", "0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    table = result.stdout.splitlines()
    assert table[0].split() == ["DAY", "(KST)", "IN", "STORE", "IN", "ARCHIVE", "MISSING", "ONLY", "IN", "STORE"]
    assert table[1].split() == ["2023-04-18", "0", "0", "0", "0"]
    # Pages only (the 302, the 404 and another site's page are not the archive holding a version).
    assert table[2].split() == ["2023-04-19", "1", str(len(IN_WINDOW)), str(len(IN_WINDOW) - 1), "0"]
    missing = (tmp_path / "missing.txt").read_text().splitlines()
    assert missing == [f"https://en.yna.co.kr/view/{i}" for i in IN_WINDOW[1:]]
    # Fetch exactly those, from the archive: then nothing is missing.
    status, log = crawl(site, tmp_path, "-a", f"archive={pywb.url}", "-a", "urls_file=missing.txt", "-o", "rest.jsonl")
    assert status == 0, log[-2000:]
    assert sorted(row["article_id"] for row in rows(tmp_path / "rest.jsonl")) == IN_WINDOW[1:]
    result = newscrawl("coverage", "--archive", pywb.url, "--since", "2023-04-19", "--until", "2023-04-19", "--state",
                       state, "--delay", "0", cwd=tmp_path)
    assert result.stdout.splitlines()[1].split()[3] == "0" and site.requests == []
    report = newscrawl("report", "--state", state, "--coverage", "coverage.json", "-o", "report.html",
                       "--data-dir", tmp_path / "data", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert 'data-metric="archive_missing"' in (tmp_path / "report.html").read_text()


def test_a_redirect_capture_is_resolved_through_the_index(pywb, site, tmp_path):
    status, log = crawl(site, tmp_path, "-a", f"archive={pywb.url}", "-a",
                        f"urls=https://en.yna.co.kr/view/{REDIRECTING}", "-o", "feed.jsonl")
    assert status == 0, log[-2000:]
    assert [row["article_id"] for row in rows(tmp_path / "feed.jsonl")] == [REDIRECT_TARGET]
    assert site.requests == [] and not [path for path in pywb.requests() if "www.yna.co.kr" in path]


def test_the_old_host_is_read_when_its_day_prefixes_are_given(pywb, site, tmp_path):
    legacy = ["-s", "NEWSCRAWL_ARCHIVE_LEGACY_PREFIXES=english.yonhapnews.co.kr/news/{day:%Y/%m/%d}/"]
    status, log = crawl(site, tmp_path, "-a", f"archive={pywb.url}", *WINDOW, *legacy, "-o", "feed.jsonl")
    assert status == 0, log[-3000:]
    exported = {row["article_id"]: row for row in rows(tmp_path / "feed.jsonl")}
    assert sorted(exported) == sorted([*IN_WINDOW, LEGACY_ID])
    assert exported[LEGACY_ID]["url"] == f"https://en.yna.co.kr/view/{LEGACY_ID}"
    page = newscrawl("page", LEGACY_ID, "--state", tmp_path / "data" / "state" / "newscrawl.sqlite3", "--headers",
                     cwd=tmp_path)
    assert page.stderr.startswith(f"{LEGACY_URL}\n")  # archived under the URI it was captured at
    assert site.requests == []


def test_the_wayback_machines_shapes(pywb, site, tmp_path):
    front = wayback_front(pywb)
    try:
        status, log = crawl(site, tmp_path, "-a", "archive=wayback", *WINDOW, "-o", "feed.jsonl",
                            "-s", f"NEWSCRAWL_WAYBACK_URL={front.url}")
    finally:
        front.stop()
    stats = stats_from_log(log)
    assert status == 0, log[-3000:]
    exported = {row["article_id"]: row for row in rows(tmp_path / "feed.jsonl")}
    assert sorted(exported) == IN_WINDOW and {r["fetched_from"] for r in exported.values()} == {"wayback"}
    assert stats["retry/count"] >= 1  # the 429 was waited out (Retry-After: 1), not ignored
    assert any("resumeKey=" in path for path in front.requests)  # paged by its resume key
    page = newscrawl("page", REVISED, "--state", tmp_path / "data" / "state" / "newscrawl.sqlite3", "--headers",
                     cwd=tmp_path)
    assert "\nContent-Type: text/html; charset=UTF-8\n" in page.stderr and "X-Archive-Orig" not in page.stderr
    assert "captured by wayback: " in page.stderr and site.requests == []


def test_an_archive_crawl_killed_with_9_and_started_again_at_once_exports_every_version_once(pywb, site, tmp_path):
    delays = {"replay": 0.4}
    front = wayback_front(pywb, throttle_first=False, delays=delays)
    args = ("-a", "archive=wayback", *WINDOW, "-s", f"NEWSCRAWL_WAYBACK_URL={front.url}", "-s", "CONCURRENT_REQUESTS=2")
    try:
        command, environment = crawl_command(site.url, *FAST, "-s", f"NEWSCRAWL_DATA_DIR={tmp_path / 'data'}", *args)
        victim = subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        wait_for_rows("*.jsonl", tmp_path / "data" / "feeds", 3, victim)
        victim.kill()  # and at once, while the kernel tears it down, the same crawl again
        delays["replay"] = 0
        status, log = crawl(site, tmp_path, *args)
        victim.wait()
    finally:
        front.stop()
    assert status == 0, log[-3000:]
    exported = [row["article_id"] for row in feed_rows(tmp_path / "data" / "feeds")]
    assert sorted(exported) == IN_WINDOW  # each once across both runs' feeds
    assert site.requests == []


def test_common_crawls_shapes_and_bad_records(pywb, site, tmp_path):
    lines = {line["url"]: line for line in pywb.cdx_lines("en.yna.co.kr/view/AEN20230419")}
    good = lines[f"https://en.yna.co.kr/view/{IN_WINDOW[0]}"]
    other = pywb.cdx_lines("example.com/view/")[0]
    bad = [
        {**good, "timestamp": "20250101000000", "length": str(int(good["length"]) - 100)},  # cut: not one gzip member
        {**good, "timestamp": "20250102000000", "offset": "999999999"},  # past the file
        {**other, "url": f"https://en.yna.co.kr/view/{OTHER_HOST_ID}", "urlkey": "x"},  # another page's record
    ]
    index, data = commoncrawl_front(pywb, extra_lines=bad)
    try:
        status, log = crawl(site, tmp_path, "-a", "archive=commoncrawl", *WINDOW, "-o", "feed.jsonl",
                            "-s", f"NEWSCRAWL_COMMONCRAWL_INDEX_URL={index.url}/{{crawl}}-index",
                            "-s", f"NEWSCRAWL_COMMONCRAWL_COLLECTIONS_URL={index.url}/collinfo.json",
                            "-s", f"NEWSCRAWL_COMMONCRAWL_DATA_URL={data.url}")
    finally:
        index.stop()
        data.stop()
    stats = stats_from_log(log)
    assert status == 0 and "Traceback" not in log, log[-3000:]
    exported = {row["article_id"]: row for row in rows(tmp_path / "feed.jsonl")}
    assert sorted(exported) == IN_WINDOW and {r["fetched_from"] for r in exported.values()} == {"commoncrawl"}
    # Its two newest lines are bad (a cut range, a range past the file): the next copy of
    # the same bytes is read, the newest good one (TWICE's second capture).
    assert IN_WINDOW[0] == TWICE and exported[TWICE]["captured_at"] == "2024-01-01T00:00:00+00:00"
    assert stats["newscrawl/archive/bad_record/not_one_gzip_member"] == 1
    assert stats["newscrawl/archive/captures/failed/http_416"] == 1
    assert stats["newscrawl/archive/bad_record/other_page"] == 1
    assert stats["newscrawl/archive/index/bad_lines"] >= 1  # the garbage line
    assert set(data.requests) == {"/yna.warc.gz"}  # ranges of the WARC file: an API, no robots.txt asked
    assert any(path.startswith("/CC-MAIN-2024-10-index?") and "showNumPages=true" in path for path in index.requests)
    # The record inside the range is what our archive keeps, under its original URI.
    plain = next(i for i in IN_WINDOW if i not in (TWICE, REVISED, CHALLENGED, MOBILE_ONLY))
    page = newscrawl("page", plain, "--state", tmp_path / "data" / "state" / "newscrawl.sqlite3", "--headers",
                     cwd=tmp_path)
    assert page.returncode == 0 and page.stderr.startswith(f"https://en.yna.co.kr/view/{plain}\n")
    assert "captured by commoncrawl: " in page.stderr and "#bytes=" in page.stderr
    assert page.stdout == PAGES[[p.stem for p in PAGES].index(plain)].read_text(encoding="utf-8")  # the page as served
    assert site.requests == []


@pytest.mark.parametrize("answer, stat", [
    ((500, [], b"oops"), "newscrawl/archive/index/failed"),
    ((200, [("Content-Type", "text/html")], b"<html>Service Unavailable</html>"), "newscrawl/archive/index/bad_answers"),
    ((200, [], b"null"), "newscrawl/archive/index/bad_answers"),
])
def test_an_archive_that_misanswers_gives_one_line_a_stat_and_no_rows(site, tmp_path, answer, stat):
    archive = Server(lambda handler: answer)
    try:
        status, log = crawl(site, tmp_path, "-a", f"archive={archive.url}/yna", *WINDOW, "-o", "feed.jsonl",
                            "-s", "RETRY_TIMES=1")
    finally:
        archive.stop()
    stats = stats_from_log(log)
    assert "Traceback" not in log and stats[stat] >= 1 and rows(tmp_path / "feed.jsonl") == []
    assert status == 3 and "crawl finished: 0 new articles" in log  # unhealthy: nothing came
    assert site.requests == []


ENDLESS = json.dumps([["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
                      ["k", "20230501000000", f"https://en.yna.co.kr/view/{NOT_FOUND}", "text/html", "404", "D", "1"],
                      [], ["the-same-key"]]).encode()


def test_indexes_that_never_end_are_stopped(site, tmp_path):
    wayback = Server(lambda handler: (200, [("Content-Type", "application/json")], ENDLESS))
    common = Server(lambda handler: (200, [], b'{"pages": 100000000}') if "showNumPages" in handler.path
                    else (200, [], b'{"url": "https://en.yna.co.kr/view/AEN20230419000952325", '
                                   b'"timestamp": "20230501000000", "status": "200", "filename": "x.warc.gz"}\n'))
    try:
        status, log = crawl(site, tmp_path, "-a", "archive=wayback", *WINDOW, "-s", f"NEWSCRAWL_WAYBACK_URL={wayback.url}")
        assert "Traceback" not in log and "a resume key came again" in log, log[-2000:]
        assert stats_from_log(log)["newscrawl/archive/index/endless"] == 8  # 4 days x 2 hosts, each stopped
        status, log = crawl(site, tmp_path, "-a", "archive=commoncrawl:CC-MAIN-2024-10", *WINDOW,
                            "-s", "NEWSCRAWL_ARCHIVE_MAX_INDEX_PAGES=5",
                            "-s", f"NEWSCRAWL_COMMONCRAWL_INDEX_URL={common.url}/{{crawl}}-index",
                            "-s", f"NEWSCRAWL_COMMONCRAWL_DATA_URL={common.url}")
        stats = stats_from_log(log)
        assert "Traceback" not in log and stats["newscrawl/archive/index/endless"] == 2, log[-2000:]
        assert stats["newscrawl/archive/index/queries"] == 10  # 5 pages a host, not 100 million
        assert stats["newscrawl/archive/index/bad_lines"] == 10  # a line without offset and length is no capture
        result = newscrawl("coverage", "--archive", "wayback", "--since", "2023-04-19", "--until", "2023-04-19",
                           "--state", tmp_path / "data" / "state" / "newscrawl.sqlite3", "--delay", "0", cwd=tmp_path,
                           env={"NEWSCRAWL_WAYBACK_URL": wayback.url})
        assert result.returncode == 1 and "keeps paging" in result.stderr and "Traceback" not in result.stderr
    finally:
        wayback.stop()
        common.stop()
    assert site.requests == []


def test_an_unreachable_archive_and_bad_arguments(site, tmp_path):
    status, log = crawl(site, tmp_path, "-a", "archive=http://127.0.0.1:9/yna", *WINDOW, "-s", "RETRY_TIMES=0")
    assert status == 3 and "Traceback" not in log and "the archive's index could not be read, skipped" in log
    assert "crawl failed: the archive http://127.0.0.1:9/yna could not be reached" in log
    for arguments, said in [(["-a", "archive=ftp://x/y", *WINDOW], "archive takes wayback"),
                            (["-a", "archive=wayback"], "needs since"),
                            (["-a", "archive=wayback", *WINDOW, "-a", "discover=rss"], "drop discover"),
                            (["-a", "archive=http://u:p@127.0.0.1:8/yna", *WINDOW], "carries credentials"),
                            (["-a", "archive=wayback", *WINDOW, "-s", "NEWSCRAWL_WAYBACK_URL=http://u:p@127.0.0.1:8"],
                             "carries credentials"),
                            (["-a", "archive=", *WINDOW], "archive is empty"),  # an unset variable: no live crawl
                            (["-a", "archive=http://127.0.0.1:99999/yna", *WINDOW], "is no URL"),
                            (["-a", "archive=wayback", "-a", "since=0999-12-31"], "before any web archive")]:
        status, log = crawl(site, tmp_path, *arguments)
        assert status == 2 and said in log and "Traceback" not in log and "u:p@" not in log, log[-1000:]
    assert site.requests == []
