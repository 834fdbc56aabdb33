"""Forged, oversized and damaged archives: what `reextract` and `newscrawl page` make of
them (docs/archive.md, docs/reliability.md security review)."""
import json
import os
import subprocess
import sys
import time
import uuid
import zlib

import pytest

from conftest import REAL_PAGES, clean_env
from newscrawl.state import StateStore
from newscrawl.warc.writer import ArchiveWriter, seal_open_files

PAGE = REAL_PAGES[1]
ARTICLE = PAGE.stem
OTHER_PAGE = REAL_PAGES[2]


def member(uri: str, block_parts, block_length: int, date: str = "2023-04-19T05:00:00Z",
           content_length: str | None = None) -> bytes:
    """One gzipped WARC response record, its block streamed from `block_parts` (so a
    block of hundreds of megabytes never sits in memory here either)."""
    head = (f"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
            f"WARC-Target-URI: {uri}\r\n" + (f"WARC-Date: {date}\r\n" if date is not None else "")
            + "Content-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {content_length if content_length is not None else block_length}\r\n\r\n").encode()
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [compressor.compress(head)]
    out += [compressor.compress(part) for part in block_parts]
    out += [compressor.compress(b"\r\n\r\n"), compressor.flush()]
    return b"".join(out)


def page_member(uri: str, page=PAGE, **extra) -> bytes:
    block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + page.read_bytes()
    return member(uri, [block], len(block), **extra)


def reextract(tmp_path, *paths, env=None):
    return subprocess.run([sys.executable, "-m", "newscrawl", "reextract", *map(str, paths), "-o", "rows.jsonl",
                           "--processes", "0"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env=clean_env(**(env or {})))


def rows(tmp_path):
    return {row["article_id"]: row for row in map(json.loads, (tmp_path / "rows.jsonl").open(encoding="utf-8"))}


def test_a_forged_capture_of_another_host_or_with_an_impossible_date_is_never_taken(tmp_path):
    genuine = page_member(f"https://en.yna.co.kr/view/{ARTICLE}")
    forged_page = tmp_path / "forged.html"
    forged_page.write_bytes(PAGE.read_bytes().replace(b"<title>", b"<title>FORGED "))
    forged = [page_member(f"http://evil.example/view/{ARTICLE}", forged_page, date="garbage"),
              page_member(f"https://en.yna.co.kr/view/{ARTICLE}", forged_page, date="9999-12-31T00:00:00Z"),
              page_member(f"https://en.yna.co.kr/view/{ARTICLE}", forged_page, date="1980-01-01T00:00:00Z"),
              page_member(f"https://en.yna.co.kr/view/{ARTICLE}", forged_page, date=None)]
    (tmp_path / "mixed.warc.gz").write_bytes(genuine + b"".join(forged))
    result = reextract(tmp_path, tmp_path / "mixed.warc.gz")
    assert result.returncode == 0, result.stderr
    assert list(rows(tmp_path)) == [ARTICLE] and "FORGED" not in rows(tmp_path)[ARTICLE]["headline"]
    assert rows(tmp_path)[ARTICLE]["crawled_at"] == "2023-04-19T05:00:00+00:00"
    assert "response/other_host 1" in result.stderr and "damaged/capture_time 3" in result.stderr
    allowed = reextract(tmp_path, tmp_path / "mixed.warc.gz", env={"NEWSCRAWL_ALLOWED_HOSTS": "evil.example"})
    assert "response/other_host" not in allowed.stderr and "damaged/capture_time 4" in allowed.stderr


def test_a_gzip_bomb_is_read_through_with_flat_memory(tmp_path):
    zeros = b"\0" * (1024 * 1024)
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
    bomb_size = 600  # MB inflated, from a file of about half a megabyte
    bombs = [member("http://evil.example/video", [http, *(zeros for _ in range(bomb_size))], len(http) + bomb_size * 2 ** 20),
             member(f"https://en.yna.co.kr/view/{OTHER_PAGE.stem}", [http, *(zeros for _ in range(100))],
                    len(http) + 100 * 2 ** 20)]  # a Yonhap page past the crawl's size rule
    path = tmp_path / "bombs.warc.gz"
    path.write_bytes(bombs[0] + page_member(f"https://en.yna.co.kr/view/{ARTICLE}") + bombs[1])
    assert path.stat().st_size < 2 * 1024 * 1024
    measure = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "sys.stderr.write(done.stderr); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    result = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "newscrawl", "reextract", str(path),
                             "-o", "rows.jsonl", "--processes", "0"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, env=clean_env())
    peak_mb = int(result.stdout.strip()) / 1024
    assert list(rows(tmp_path)) == [ARTICLE], result.stderr
    assert "too_large 1" in result.stderr
    assert peak_mb < 250, f"peak RSS {peak_mb:.0f} MB"  # neither bomb is ever held


@pytest.mark.parametrize("length", ["-5", "abc"])
def test_a_record_with_a_bad_length_is_reported_where_it_is_and_the_next_one_is_read(tmp_path, length):
    first = page_member(f"https://en.yna.co.kr/view/{ARTICLE}")
    bad = page_member(f"https://en.yna.co.kr/view/{PAGE.stem}", content_length=length)
    last = page_member(f"https://en.yna.co.kr/view/{OTHER_PAGE.stem}", OTHER_PAGE)
    (tmp_path / "bad.warc.gz").write_bytes(first + bad + last)
    result = reextract(tmp_path, tmp_path / "bad.warc.gz")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"damaged WARC at offset {len(first)}:" in result.stderr  # the bad record's own offset
    assert sorted(rows(tmp_path)) == sorted([ARTICLE, OTHER_PAGE.stem])  # the record after it: read


@pytest.fixture
def archived(tmp_path):
    """A WARC this crawler wrote, with one article's page, and a store that points at it."""
    writer = ArchiveWriter(tmp_path / "warc")
    location = writer.write_exchange(f"https://en.yna.co.kr/view/{ARTICLE}", "GET", [], 200,
                                     [("Content-Type", "text/html; charset=utf-8")], PAGE.read_bytes())
    writer.close()
    store_path = tmp_path / "s.sqlite3"
    with StateStore(store_path) as store:
        store.record_with_locations([({"article_id": ARTICLE, "revision": 0}, tuple(location))])
    return store_path, location


def page(tmp_path, store_path):
    return subprocess.run([sys.executable, "-m", "newscrawl", "page", ARTICLE, "--state", str(store_path)],
                          cwd=tmp_path, capture_output=True, env=clean_env(), timeout=60)


def test_page_prints_the_archived_page(tmp_path, archived):
    result = page(tmp_path, archived[0])
    assert result.returncode == 0 and result.stdout == PAGE.read_bytes()


@pytest.mark.parametrize("damage", ["flipped byte", "outside the file", "huge length"])
def test_page_on_a_damaged_record_or_a_wrong_location_says_so_in_one_line(tmp_path, archived, damage):
    store_path, (path, offset, length) = archived
    if damage == "flipped byte":
        data = bytearray(open(path, "rb").read())
        data[offset + length // 2] ^= 0xFF
        open(path, "wb").write(bytes(data))
    else:
        where = (offset + 10 ** 9, length) if damage == "outside the file" else (offset, 10 ** 12)
        with StateStore(store_path) as store:
            store.record_with_locations([({"article_id": ARTICLE, "revision": 0}, (path, *where))])
    result = page(tmp_path, store_path)
    stderr = result.stderr.decode()
    assert result.returncode == 1 and "Traceback" not in stderr and "MemoryError" not in stderr
    assert len(stderr.strip().splitlines()) == 1 and "cannot be read" in stderr


def test_only_a_stale_opening_file_no_one_holds_is_removed(tmp_path):
    fresh = tmp_path / "newscrawl-1-00000-1~h.warc.gz.opening"
    stale = tmp_path / "newscrawl-2-00000-2~h.warc.gz.opening"
    fresh.write_bytes(b"")
    stale.write_bytes(b"")
    old = time.time() - 120
    os.utime(stale, (old, old))
    seal_open_files(tmp_path)
    assert fresh.exists() and not stale.exists()  # a writer a moment from taking its lock keeps its file
