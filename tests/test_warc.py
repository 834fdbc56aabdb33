"""The web archive: every fetched page kept as WARC, rows traced back to their page,
and feeds rebuilt from archives (ours, GNU wget's, CC-NEWS-like) without the network."""
import gzip
import io
import json
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import FIXTURES, REAL_PAGES, clean_env, crawl_command, run_crawl, stats_from_log
from newscrawl.mirror import FaultPlan, MirrorServer, build_site, load_articles
from newscrawl.warc.reader import Captures

REAL_IDS = sorted(p.stem for p in REAL_PAGES)
WARCIO = [sys.executable, "-m", "warcio.cli"]
IIPC_NAME = re.compile(r"^newscrawl-\d{17}-\d{5}-\d+~[^-~]+\.warc\.gz$")
CODINGS = ("gzip", "br", "zstd", "deflate")


def newscrawl(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "newscrawl", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, env=clean_env(**(env or {})), timeout=300)


def warc_records(path):
    with open(path, "rb") as handle:
        for record in ArchiveIterator(handle):
            yield record.rec_type, record.rec_headers, record.http_headers, record.content_stream().read()


def feed(path):
    return {row["article_id"]: row for row in map(json.loads, path.open(encoding="utf-8"))}


@pytest.fixture
def archived_crawl(tmp_path):
    """A crawl of the mirror answering in gzip, br, zstd and deflate, with a redirect
    hop and a retried 503; its WARC files rotate at 60 KB."""
    site = build_site(load_articles(REAL_PAGES))
    plan = FaultPlan(by_path={f"/view/{REAL_IDS[0]}": "moved_once", f"/view/{REAL_IDS[1]}": "http_503"})
    server = MirrorServer(site, faults=plan, codings=CODINGS).start()
    try:
        status, log = run_crawl(server.base_url, "-O", "out.jsonl", "-s", "NEWSCRAWL_WARC_MAX_SIZE=60000",
                                "-s", "NEWSCRAWL_RETRY_BACKOFF_BASE=0.1", cwd=tmp_path)
    finally:
        server.stop()
    assert status == 0, log[-3000:]
    return tmp_path, server, log


def test_every_fetched_response_is_archived_as_received(archived_crawl):
    workdir, server, log = archived_crawl
    files = sorted((workdir / "data" / "warc").iterdir())
    assert len(files) >= 3 and all(IIPC_NAME.match(path.name) for path in files)  # rotated, no .open left
    assert [int(path.name.split("-")[2]) for path in files] == list(range(len(files)))
    check = subprocess.run([*WARCIO, "check", "-v", *files], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr

    responses, requests = {}, {}
    for path in files:
        records = list(warc_records(path))
        assert records[0][0] == "warcinfo"
        for kind, headers, http, body in records[1:]:
            record_id = headers.get_header("WARC-Record-ID")
            if kind == "response":
                responses[record_id] = (headers, http, body)
            else:
                assert kind == "request"
                requests[headers.get_header("WARC-Concurrent-To")] = http
    assert set(requests) == set(responses)  # each response has its request, concurrent to it
    fetched = sum(server.requests.values())
    assert len(responses) == fetched  # every hop, retry, robots.txt, feed and listing
    statuses = [http.get_statuscode() for _, http, _ in responses.values()]
    assert statuses.count("301") == 1 and statuses.count("503") == 1
    for headers, http, body in responses.values():
        assert http.protocol == "HTTP/1.1" and not http.get_header("Transfer-Encoding")
        assert headers.get_header("WARC-IP-Address") == "127.0.0.1"
        assert headers.get_header("WARC-Payload-Digest", "").startswith("sha1:")
    encoded = {http.get_header("Content-Encoding") for _, http, _ in responses.values()}
    # Asked for gzip and deflate only (readable by every WARC tool), stored as they came.
    assert encoded == {"gzip", "deflate", None}
    for request in requests.values():
        assert request.get_header("Accept-Encoding") == "gzip, deflate"
    assert "WARC file:" in log and stats_from_log(log)["newscrawl/warc/responses"] == fetched


def test_content_encoded_pages_are_not_compressed_a_second_time(archived_crawl):
    """A page that came gzip- or deflate-encoded is its record's payload as it came: its
    gzip member holds stored blocks (about the record's size), where a plain response's
    member is compressed (robots.txt, the feeds and listings of this mirror come plain)."""
    workdir, server, log = archived_crawl
    seen = {"encoded": 0, "plain": 0}
    for path in sorted((workdir / "data" / "warc").iterdir()):
        with open(path, "rb") as handle:
            records = ArchiveIterator(handle)
            for record in records:
                block = int(record.rec_headers.get_header("Content-Length"))
                headers_length = len(record.rec_headers.to_bytes())
                records.read_to_end(record)
                member = records.get_record_length()
                if record.rec_type != "response" or block < 2000:
                    continue
                if record.http_headers.get_header("Content-Encoding"):
                    seen["encoded"] += 1
                    assert block + headers_length < member < (block + headers_length) * 1.01 + 64
                else:
                    seen["plain"] += 1
                    assert member < (block + headers_length) * 0.6
    assert seen["encoded"] >= 3 and seen["plain"] >= 3  # the mirror answers some pages in br and zstd: plain here


@pytest.mark.parametrize("level", range(10))
def test_every_gzip_level_writes_whole_readable_records(tmp_path, level):
    """0-3 are ISA-L's levels, 4-9 zlib's: each gives gzip members every reader inflates."""
    from newscrawl.warc.writer import ArchiveWriter

    body = REAL_PAGES[0].read_bytes()
    writer = ArchiveWriter(tmp_path, gzip_level=level)
    where = writer.write_exchange("https://en.yna.co.kr/view/AEN20190820002300325", "GET", [], 200,
                                  [("Content-Type", "text/html")], body)
    encoded = gzip.compress(body, mtime=0)
    writer.write_exchange("https://en.yna.co.kr/view/AEN20230419000952325", "GET", [], 200,
                          [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], encoded)
    writer.close()
    [path] = writer.files_written
    with open(path, "rb") as handle:
        raw = [r.raw_stream.read() for r in ArchiveIterator(handle) if r.rec_type == "response"]
    assert raw == [body, encoded]  # as they came, the encoded one still encoded
    assert [b for kind, _, _, b in warc_records(path) if kind == "response"] == [body, body]
    assert where.length < len(body) * (0.3 if level else 0.35)  # compressed, whatever the level
    check = subprocess.run([*WARCIO, "check", path], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    with gzip.open(path) as whole:  # one file of gzip members: plain gzip reads it too
        assert whole.read().count(b"WARC/1.1\r\n") == 5


@pytest.mark.parametrize("level", ["10", "-1", "fast"])
def test_a_gzip_level_out_of_range_is_refused_before_the_crawl(tmp_path, level):
    status, log = run_crawl("http://127.0.0.1:9", "-s", f"NEWSCRAWL_WARC_GZIP_LEVEL={level}", cwd=tmp_path)
    assert status == 2 and f"NEWSCRAWL_WARC_GZIP_LEVEL={level}: a gzip level, 0-3" in log
    assert "Traceback" not in log


def test_each_row_leads_back_to_its_archived_page(archived_crawl):
    workdir, server, log = archived_crawl
    state = workdir / "data" / "state" / "newscrawl.sqlite3"
    for article_id in REAL_IDS:
        page = subprocess.run([sys.executable, "-m", "newscrawl", "page", article_id, "--state", state, "--headers"],
                              cwd=workdir, capture_output=True, env=clean_env(), timeout=60)
        assert page.returncode == 0, page.stderr
        assert page.stdout == server.site[f"/view/{article_id}"][1]  # byte for byte
        assert f"/view/{article_id}".encode() in page.stderr and b"WARC-Date:" in page.stderr
    unknown = newscrawl("page", "AEN20230419999900315", "--state", state, cwd=workdir)
    assert unknown.returncode == 1 and "was not exported" in unknown.stderr


def test_reextract_rebuilds_the_crawls_rows_from_its_archive(archived_crawl):
    workdir, server, log = archived_crawl
    crawled = feed(workdir / "out.jsonl")
    outputs = {}
    for processes in (0, 1, 2):
        result = newscrawl("reextract", workdir / "data" / "warc", "-o", f"re{processes}.jsonl",
                           "--processes", processes, cwd=workdir)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        outputs[processes] = (workdir / f"re{processes}.jsonl").read_text()
        assert "11 Yonhap pages, 11 articles; dropped: none;" in result.stderr
    assert outputs[0] == outputs[1] == outputs[2]
    rebuilt = feed(workdir / "re1.jsonl")
    assert sorted(rebuilt) == REAL_IDS
    for article_id, row in rebuilt.items():
        assert {k: v for k, v in row.items() if k not in ("crawled_at", "captured_at")} == \
               {k: v for k, v in crawled[article_id].items() if k not in ("crawled_at", "captured_at")}
        assert abs(_seconds(row["crawled_at"]) - _seconds(crawled[article_id]["crawled_at"])) <= 2
        assert row["captured_at"] == row["crawled_at"] and row["fetched_from"] == "live"


def _seconds(iso):
    from datetime import datetime
    return datetime.fromisoformat(iso).timestamp()


def test_reextract_updates_the_store_after_a_parser_fix(archived_crawl):
    workdir, server, log = archived_crawl
    state = workdir / "data" / "state" / "newscrawl.sqlite3"
    with sqlite3.connect(state) as db:  # a broken parser's rows: headlines lost
        for article_id, blob in list(db.execute("SELECT article_id, record FROM articles")):
            import zlib
            record = json.loads(zlib.decompress(blob))
            record["headline"] = "BROKEN"
            db.execute("UPDATE articles SET record = ? WHERE article_id = ?",
                       (zlib.compress(json.dumps(record).encode()), article_id))
    result = newscrawl("reextract", workdir / "data" / "warc", "-o", "fixed.csv", "--latest", "--update-store",
                       "--state", state, cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert "11 article versions written (0 new, 11 replaced)" in result.stderr
    export = newscrawl("export", "-o", "all.jsonl", "--state", state, cwd=workdir)
    assert export.returncode == 0, export.stderr
    assert not any(row["headline"] == "BROKEN" for row in feed(workdir / "all.jsonl").values())
    for article_id in REAL_IDS:  # each field right
        want = json.loads((FIXTURES / "expected" / f"{article_id}.json").read_text(encoding="utf-8"))
        assert {k: feed(workdir / "all.jsonl")[article_id][k] for k in want} == want


def test_a_killed_crawls_open_warc_is_sealed_at_the_next_start(tmp_path):
    site = build_site(load_articles(REAL_PAGES))
    server = MirrorServer(site, article_delay=0.3).start()
    try:
        command, env = crawl_command(server.base_url, "-s", "CONCURRENT_REQUESTS=1")
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        warc_dir = tmp_path / "data" / "warc"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sum(server.requests.get(f"/view/{i}", 0) for i in REAL_IDS) < 4:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        left = list(warc_dir.glob("*.warc.gz.open"))
        assert len(left) == 1
        with open(left[0], "ab") as handle:  # as if killed in the middle of writing a record
            handle.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n")[:25])
        server.article_delay = 0
        status, log = run_crawl(server.base_url, cwd=tmp_path)
    finally:
        server.stop()
    assert status == 0, log[-3000:]
    assert "left open by an interrupted crawl: sealed" in log and stats_from_log(log)["newscrawl/warc/sealed_files"] == 1
    files = sorted(warc_dir.iterdir())
    assert not any(path.name.endswith(".open") for path in files)
    check = subprocess.run([*WARCIO, "check", *files], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.skipif(shutil.which("wget") is None, reason="GNU wget is installed by .ci/run")
def test_reextract_reads_a_wget_warc_mixed_with_another_site(tmp_path):
    yonhap = MirrorServer(build_site(load_articles(REAL_PAGES))).start()
    other = MirrorServer({"/index.html": ("text/html", b"<html><body>another site</body></html>"),
                          "/view/story-123": ("text/html", b"<html><body>not Yonhap</body></html>")}).start()
    try:
        urls = [f"{yonhap.base_url}/view/{i}" for i in REAL_IDS] + [f"{other.base_url}/index.html",
                                                                    f"{other.base_url}/view/story-123"]
        (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n")
        subprocess.run(["wget", "--quiet", "--warc-file=crawl", "--no-warc-keep-log", "-e", "robots=off",
                        "--input-file=urls.txt", "-O", "/dev/null"], cwd=tmp_path, check=True, timeout=120)
    finally:
        yonhap.stop()
        other.stop()
    raw = gzip.decompress((tmp_path / "crawl.warc.gz").read_bytes())
    assert b"WARC-Target-URI: <http" in raw  # wget's angle brackets
    result = newscrawl("reextract", tmp_path / "crawl.warc.gz", "-o", "rows.jsonl", "--processes", 2, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = feed(tmp_path / "rows.jsonl")
    assert sorted(rows) == REAL_IDS
    for article_id in REAL_IDS:
        want = json.loads((FIXTURES / "expected" / f"{article_id}.json").read_text(encoding="utf-8"))
        assert {k: rows[article_id][k] for k in want} == want


def _write(writer, uri, block, record_type="response", **warc_headers):
    record = writer.create_warc_record(uri, record_type, payload=io.BytesIO(block), length=len(block),
                                       http_headers=StatusAndHeaders("200 OK", [], protocol="HTTP/1.0"),
                                       warc_headers_dict=warc_headers)
    # The HTTP block goes in as given (an HTTP/2 status line, chunking), not as warcio would write it.
    record.http_headers = None
    record.raw_stream = io.BytesIO(block)
    record.length = len(block)
    writer.write_record(record)


def cc_news_like(path, pages):
    """A CC-NEWS-like WARC: many hosts, one gzip member a record, request and metadata
    records, a revisit, other sites' pages, Yonhap pages under several hosts, one
    status line in HTTP/2 and one chunked body."""
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True, warc_version="1.0")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for number in range(40):
            html = f"<html><body>story {number} of site {number}</body></html>".encode()
            _write(writer, f"https://news{number}.example/article/{number}",
                   b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + html)
            writer.write_record(writer.create_warc_record(f"https://news{number}.example/article/{number}", "request",
                                                          payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"), length=18))
        for index, page in enumerate(pages):
            host = ("en.yna.co.kr", "m-en.yna.co.kr", "web.archive.example")[index % 3]
            body = page.read_bytes()
            if index == 0:
                block = b"HTTP/2 200\r\ncontent-type: text/html; charset=utf-8\r\n\r\n" + body
            elif index == 1:
                chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:5000], body[5000:])) + b"0\r\n\r\n"
                block = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n"
                         b"\r\n" + chunked)
            else:
                block = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\n\r\n"
                         + gzip.compress(body))
            _write(writer, f"https://{host}/view/{page.stem}?section=news", block)
        writer.write_record(writer.create_revisit_record(
            "https://en.yna.co.kr/view/AEN20230419004700315", "sha1:2AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "https://en.yna.co.kr/view/AEN20230419004700315", "2023-04-19T05:00:00Z",
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")))
        _write(writer, "https://en.yna.co.kr/view/AEN20230419004700315", b"fetchTimeMs: 120\r\n", "metadata")
        _write(writer, "https://en.yna.co.kr/view/AEN20230419999900315",  # a 404 of Yonhap's: no row
               b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n<html>gone</html>")


def test_reextract_reads_a_cc_news_like_file(tmp_path):
    cc_news_like(tmp_path / "CC-NEWS-20230419.warc.gz", REAL_PAGES)
    # A third of the Yonhap pages are an archive's copies under its own host: not Yonhap's
    # captures unless that host is allowed.
    elsewhere = sorted(page.stem for index, page in enumerate(REAL_PAGES) if index % 3 == 2)
    result = newscrawl("reextract", tmp_path, "-o", "yonhap.jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(set(REAL_IDS) - set(feed(tmp_path / "yonhap.jsonl"))) == elsewhere
    assert f"response/other_host {len(elsewhere)}" in result.stderr
    result = newscrawl("reextract", tmp_path, "-o", "rows.parquet", cwd=tmp_path,
                       env={"NEWSCRAWL_ALLOWED_HOSTS": "web.archive.example"})
    assert result.returncode == 0, result.stderr
    import pandas as pd
    rows = pd.read_parquet(tmp_path / "rows.parquet")
    assert sorted(rows["article_id"]) == REAL_IDS
    assert "11 Yonhap pages, 11 articles" in result.stderr and "dropped: none" in result.stderr
    by_id = rows.set_index("article_id")
    for article_id in REAL_IDS:
        want = json.loads((FIXTURES / "expected" / f"{article_id}.json").read_text(encoding="utf-8"))
        assert by_id.loc[article_id, "headline"] == want["headline"]
        assert by_id.loc[article_id, "body"] == want["body"]
        assert list(by_id.loc[article_id, "keywords"]) == want["keywords"]


def test_damaged_and_foreign_files_are_reported_and_the_rest_is_used(tmp_path):
    whole = tmp_path / "whole.warc.gz"
    cc_news_like(whole, REAL_PAGES[:6])
    data = whole.read_bytes()
    (tmp_path / "truncated.warc.gz").write_bytes(data[: len(data) * 2 // 3])
    cut = len(data) // 2
    (tmp_path / "corrupt.warc.gz").write_bytes(data[:cut] + b"\x00garbage\xff" * 50 + data[cut + 500:])
    (tmp_path / "notes.warc").write_text("these are not WARC records\n")
    whole.rename(tmp_path / "good.warc.gz")
    result = newscrawl("reextract", tmp_path, "-o", "rows.csv", cwd=tmp_path,
                       env={"NEWSCRAWL_ALLOWED_HOSTS": "web.archive.example"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert any(re.search(r"truncated\.warc\.gz: damaged WARC at offset \d+: .*; the whole records were read", l)
               for l in lines), lines
    assert any(re.search(r"corrupt\.warc\.gz: damaged WARC at offset \d+", l) for l in lines), lines
    assert any("notes.warc: not a WARC file" in l for l in lines), lines
    import pandas as pd
    assert sorted(pd.read_csv(tmp_path / "rows.csv")["article_id"]) == sorted(p.stem for p in REAL_PAGES[:6])
    nothing = newscrawl("reextract", tmp_path / "missing", "-o", "x.csv", cwd=tmp_path)
    assert nothing.returncode == 1 and "missing: no such file or directory" in nothing.stderr


def test_damage_is_reported_at_the_offset_where_whole_records_end(tmp_path):
    path = tmp_path / "a.warc.gz"
    cc_news_like(path, REAL_PAGES[:2])
    data = path.read_bytes()
    with open(path, "rb") as handle:
        ends = []
        records = ArchiveIterator(handle)
        for record in records:
            records.read_to_end(record)
            ends.append(records.get_record_offset() + records.get_record_length())
    path.write_bytes(data[: ends[10] + 30])
    captures = Captures(path)
    list(captures)
    assert captures.damage.startswith(f"offset {ends[10]}:")


def test_an_archive_on_a_full_disk_is_cut_back_to_whole_records_and_the_crawl_goes_on(tmp_path, tmpfs):
    warc_dir = tmpfs("100k")  # room for a few pages' records, then a write is cut short
    server = MirrorServer(build_site(load_articles(REAL_PAGES))).start()
    try:
        status, log = run_crawl(server.base_url, "-O", "out.jsonl", "-s", f"NEWSCRAWL_WARC_DIR={warc_dir}",
                                "-s", "CONCURRENT_REQUESTS=1", cwd=tmp_path)
    finally:
        server.stop()
    # The crawl went on to the end (the feed is whole); the archive check says what is missing.
    assert status == 3, log[-3000:]
    assert "crawl unhealthy: failed checks archive;" in log.strip().splitlines()[-1]
    assert "Traceback" not in log and "cannot be written" in log
    assert sorted(feed(tmp_path / "out.jsonl")) == REAL_IDS
    stats = stats_from_log(log)
    assert stats["newscrawl/warc/unarchived"] >= 1
    assert stats["newscrawl/warc/unarchived"] + stats["newscrawl/warc/responses"] == stats["response_received_count"]
    files = sorted(warc_dir.iterdir())
    assert files and all(path.name.endswith(".warc.gz") for path in files)  # final names only, none left open
    check = subprocess.run([*WARCIO, "check", *map(str, files)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr  # every record whole
    rebuilt = newscrawl("reextract", warc_dir, "-o", "rebuilt.jsonl", cwd=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    state = tmp_path / "data" / "state" / "newscrawl.sqlite3"
    archived = set(feed(tmp_path / "rebuilt.jsonl"))
    assert archived and archived < set(REAL_IDS)
    for article_id in REAL_IDS:
        page = newscrawl("page", article_id, "--state", state, cwd=tmp_path)
        if article_id in archived:
            assert page.returncode == 0, page.stderr
        else:
            assert page.returncode == 1 and "not archived: the disk was full" in page.stderr, page.stderr
