"""The pure part of archive crawls: CDX answers, the capture chosen, sources, ranges,
coverage (tables of cases; newscrawl.archives)."""
import gzip
import json
from datetime import date

import pytest

from newscrawl.archives.cdx import (Capture, CdxError, by_article, day_prefixes, parse_cdx_json_lines,
                                    parse_collections, parse_page_count, parse_wayback_json)
from newscrawl.archives.coverage import coverage_by_day, from_json, missing_urls, to_json, totals
from newscrawl.archives.index import retry_after
from newscrawl.archives.sources import parse_archive
from newscrawl.warc.reader import one_gzip_member

A, B = "AEN20190105000100315", "AEN20190105000251315"
HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


def row(url, timestamp="20190105030405", status="200", digest="D1"):
    return ["k", timestamp, url, "text/html", status, digest, "100"]


@pytest.mark.parametrize("answer, urls, resume, skipped", [
    ([], [], None, 0),
    ([HEADER, row(f"https://en.yna.co.kr/view/{A}")], [f"https://en.yna.co.kr/view/{A}"], None, 0),
    ([HEADER, row("u1"), row("u2"), [], ["KEY=="]], ["u1", "u2"], "KEY==", 0),
    ([HEADER, row("u1"), ["short"], row("u2", timestamp="2019")], ["u1"], None, 2),  # a cut row, a bad time
    ([HEADER, row("u1", timestamp="20191345000000")], [], None, 1),  # month 13
])
def test_wayback_answers(answer, urls, resume, skipped):
    captures, key, bad = parse_wayback_json(json.dumps(answer).encode())
    assert ([c.url for c in captures], key, bad) == (urls, resume, skipped)


@pytest.mark.parametrize("body", [b"<html>Error</html>", b"null", b'{"a": 1}', b"[1, 2]",
                                  json.dumps([["url"], row("x")]).encode()])
def test_wayback_non_answers_are_refused(body):
    with pytest.raises(CdxError):
        parse_wayback_json(body)


def test_cdx_json_lines():
    good = {"url": f"https://en.yna.co.kr/view/{A}", "timestamp": "20190105030405", "status": "200",
            "digest": "D", "filename": "crawl/x.warc.gz", "offset": "10", "length": "5"}
    body = b"\n".join([json.dumps(good).encode(), b"{cut", b"[1]", json.dumps({**good, "timestamp": "x"}).encode(), b""])
    captures, skipped = parse_cdx_json_lines(body)
    assert len(captures) == 1 and skipped == 3
    capture = captures[0]
    assert (capture.article_id, capture.status, capture.has_range, capture.offset, capture.length) == (A, 200, True, 10, 5)
    assert capture.captured_at == "2019-01-05T03:04:05+00:00"
    assert parse_cdx_json_lines(b"") == ([], 0)
    with pytest.raises(CdxError):
        parse_cdx_json_lines(b"<html>\n<body>502 Bad Gateway</body>\n</html>")


@pytest.mark.parametrize("body, pages", [(b'{"pages": 3, "pageSize": 5}', 3), (b"0", 0)])
def test_page_counts(body, pages):
    assert parse_page_count(body) == pages


@pytest.mark.parametrize("body", [b"x", b'{"pages": -1}', b'{"pages": "2"}', b"true"])
def test_bad_page_counts(body):
    with pytest.raises(CdxError):
        parse_page_count(body)


def test_collections():
    body = json.dumps([{"id": "CC-MAIN-2024-10"}, {"id": "../etc"}, {"x": 1}, "y", {"id": "CC-MAIN-2023-50"}]).encode()
    assert parse_collections(body) == ["CC-MAIN-2024-10", "CC-MAIN-2023-50"]
    with pytest.raises(CdxError):
        parse_collections(b'{"id": "CC"}')


def capture(url, timestamp="20190105030405", status=200, digest="D1"):
    return Capture(url=url, timestamp=timestamp, status=status, digest=digest)


def test_captures_by_article():
    view = f"https://en.yna.co.kr/view/{A}"
    grouped = by_article([
        capture(view, "20190105000000", digest="D1"),
        capture(view + "?section=nk/nk", "20200101000000", digest="D1"),  # the same bytes, later
        capture(f"http://m-en.yna.co.kr/view/{A}", "20190601000000", digest="D2"),
        capture(view, "20210101000000", status=404, digest="D3"),  # an error capture
        capture(view, "20210201000000", status=None, digest="D4"),  # a revisit ("-")
        capture(f"https://en.yna.co.kr/view/{B}", "20190105000000", status=302, digest="D5"),
        capture(f"https://example.com/view/{A}", "20220101000000", digest="D6"),  # another site's page
        capture("https://en.yna.co.kr/view/AEN20180105000100315", digest="D7"),  # outside the window
        capture("https://en.yna.co.kr/news", digest="D8"),
    ], since=date(2019, 1, 1), until=date(2019, 12, 31))
    assert set(grouped) == {A, B}
    # Newest first, one per digest, then the other copies (tried only if a copy cannot be read).
    assert [(c.timestamp, c.digest) for c in grouped[A].pages] == [("20200101000000", "D1"), ("20190601000000", "D2"),
                                                                   ("20190105000000", "D1")]
    assert grouped[A].redirects == [] and [c.status for c in grouped[B].redirects] == [302] and grouped[B].pages == []


def test_day_prefixes_start_before_since():
    assert day_prefixes(date(2019, 1, 2), date(2019, 1, 3), 2) == [
        "AEN20181231", "AEN20190101", "AEN20190102", "AEN20190103"]


@pytest.mark.parametrize("value, kind, name, index, replay, crawls", [
    ("wayback", "wayback", "wayback", "https://web.archive.org/cdx/search/cdx", "https://web.archive.org/web", ()),
    ("commoncrawl", "commoncrawl", "commoncrawl", "https://index.commoncrawl.org/{crawl}-index",
     "https://data.commoncrawl.org", ()),
    ("commoncrawl:CC-MAIN-2024-10, CC-MAIN-2023-50", "commoncrawl", "commoncrawl",
     "https://index.commoncrawl.org/{crawl}-index", "https://data.commoncrawl.org", ("CC-MAIN-2024-10", "CC-MAIN-2023-50")),
    ("http://10.0.0.5:8080/yna/", "pywb", "http://10.0.0.5:8080/yna", "http://10.0.0.5:8080/yna/cdx",
     "http://10.0.0.5:8080/yna", ()),
])
def test_sources(value, kind, name, index, replay, crawls):
    source = parse_archive(value)
    assert (source.kind, source.name, source.index_url, source.replay_url, source.crawls) == (kind, name, index, replay,
                                                                                              crawls)


@pytest.mark.parametrize("value", ["", "archive.org", "ftp://x/y", "commoncrawl:../x", "http://h/c?x=1", "waybak"])
def test_bad_sources(value):
    with pytest.raises(ValueError):
        parse_archive(value)


def test_capture_urls_and_queries():
    wayback, pywb = parse_archive("wayback"), parse_archive("http://127.0.0.1:8080/yna")
    common = parse_archive("commoncrawl:CC-MAIN-2024-10")
    page = Capture(url=f"https://en.yna.co.kr/view/{A}", timestamp="20190105030405", status=200, digest="D",
                   filename="crawl-data/CC-MAIN-2024-10/x.warc.gz", offset=100, length=50)
    assert wayback.capture_url(page) == f"https://web.archive.org/web/20190105030405id_/https://en.yna.co.kr/view/{A}"
    assert pywb.capture_url(page) == f"http://127.0.0.1:8080/yna/20190105030405id_/https://en.yna.co.kr/view/{A}"
    assert common.capture_url(page) == "https://data.commoncrawl.org/crawl-data/CC-MAIN-2024-10/x.warc.gz"
    assert common.capture_range(page) == "bytes=100-149"
    assert "resumeKey=K" in wayback.prefix_query("en.yna.co.kr/view/AEN20190105", "K")
    assert common.prefix_query("en.yna.co.kr/view/", crawl="CC-MAIN-2024-10", count_pages=True).startswith(
        "https://index.commoncrawl.org/CC-MAIN-2024-10-index?url=en.yna.co.kr%2Fview%2F&matchType=prefix")
    assert sorted(common.hosts) == ["data.commoncrawl.org", "index.commoncrawl.org"]


# mtime=0: the same bytes (and test ids, which every xdist worker must collect alike) at any time.
@pytest.mark.parametrize("data, problem", [
    (gzip.compress(b"x" * 1000, mtime=0), None),
    (gzip.compress(b"x" * 1000, mtime=0)[:-20], "a gzip member cut off before its end"),
    (gzip.compress(b"a", mtime=0) + gzip.compress(b"b", mtime=0), "bytes after the gzip member"),
    (b"WARC/1.1\r\n", "not gzip"),
], ids=["one member", "cut off", "two members", "not gzip"])
def test_one_gzip_member(data, problem):
    found = one_gzip_member(data)
    assert found == problem if problem is None else problem in found


@pytest.mark.parametrize("value, seconds", [("5", 5.0), ("", None), (None, None), ("soon", None)])
def test_retry_after(value, seconds):
    assert retry_after(value) == seconds


def test_coverage_by_day():
    held = [A, "AEN20190106000100315", "AEN20190106000200315", "not-an-id"]
    archived = [A, B, "AEN20190106000100315", "AEN20190107000100315", "AEN20190301000100315"]
    days = coverage_by_day(held, archived, date(2019, 1, 5), date(2019, 1, 7))
    assert [(str(d.day), d.held, d.archived, d.missing, d.only_held) for d in days] == [
        ("2019-01-05", 1, 2, [B], 0),
        ("2019-01-06", 2, 1, [], 1),
        ("2019-01-07", 0, 1, ["AEN20190107000100315"], 0),
    ]
    assert totals(days) == {"days": 3, "held": 3, "archived": 4, "missing": 2, "only_held": 1}
    assert missing_urls(days) == [f"https://en.yna.co.kr/view/{B}", "https://en.yna.co.kr/view/AEN20190107000100315"]
    archive, again = from_json(to_json(days, "wayback", "2026-12-01T00:00:00+00:00"))
    assert archive == "wayback" and [(d.day, d.missing) for d in again] == [(d.day, d.missing) for d in days]
    with pytest.raises(ValueError):
        from_json('{"days": [1]}')


@pytest.mark.parametrize("url, article_id", [
    (f"https://en.yna.co.kr/view/{A}?section=nk/nk", A),
    (f"http://m-en.yna.co.kr/view/{A}", A),
    (f"en.yna.co.kr/view/{A}", A),
    (f"http://english.yonhapnews.co.kr/news/2019/01/05/0200000000{A}.html", A),
    (f"https://english.yonhapnews.co.kr/northkorea/2019/01/05/0401000000{A}.htm", A),
    (f"https://example.com/view/{A}", None),
    (f"https://english.yonhapnews.co.kr/view/{A}x.html", None),
    ("https://en.yna.co.kr/view/AEN2019010500010031", None),
    ("https://en.yna.co.kr/news", None),
])
def test_archived_article_ids(url, article_id):
    from newscrawl.ids import archived_article_id

    assert archived_article_id(url) == article_id


@pytest.mark.parametrize("fields", [
    {"url": f"https://en.yna.co.kr/view/{A}?a=1\r\nWARC-Evil: injected", "timestamp": "20190105030405"},  # CRLF
    {"url": f"https://en.yna.co.kr/view/{A} x", "timestamp": "20190105030405"},
    {"url": f"https://en.yna.co.kr/view/{A}", "timestamp": "99991231235959"},  # the future
    {"url": f"https://en.yna.co.kr/view/{A}", "timestamp": "19950101000000"},  # before any web archive
    {"url": f"https://en.yna.co.kr/view/{A}", "timestamp": "20190105030405", "filename": "a\nb.warc.gz"},
])
def test_index_lines_that_could_not_be_true_are_skipped(fields):
    assert parse_cdx_json_lines(json.dumps(fields).encode()) == ([], 1)


def test_a_url_that_is_no_url_has_no_article_id():
    from newscrawl.ids import archived_article_id

    assert archived_article_id(f"https://[en.yna.co.kr/view/{A}") is None


@pytest.mark.parametrize("value", ["http://127.0.0.1:99999/yna", "http://[::1/yna"])
def test_archive_urls_that_are_no_urls(value):
    with pytest.raises(ValueError, match="archive"):
        parse_archive(value)


def test_a_gzip_bomb_is_not_inflated_whole():
    from newscrawl.warc.reader import capture_of_bytes

    bomb = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 3000000\r\n\r\n" + b"\0" * 3_000_000)
    assert "more than 1000000 bytes once decompressed" in one_gzip_member(bomb, 1_000_000)
    with pytest.raises(ValueError, match="more than 100000 bytes"):
        capture_of_bytes(bomb, "x", max_block=100_000)


@pytest.mark.parametrize("since, until, prefix", [
    (date(2019, 1, 5), date(2019, 1, 5), "AEN2019010"),  # with the lead days, 2019-01-02 to 05
    (date(2019, 3, 10), date(2019, 12, 31), "AEN2019"),
    (date(2019, 1, 2), date(2021, 6, 30), "AEN20"),
])
def test_window_prefix(since, until, prefix):
    from newscrawl.archives.cdx import window_prefix

    assert window_prefix(since, until, 3) == prefix
