"""Web archives for the tests, run for real on loopback: a pywb collection (pywb from
PyPI, in a venv of its own), the Wayback Machine's answer shapes in front of it, and
Common Crawl's (pywb's CDX lines, the WARC files served by byte range).

The collection holds real pages under their real https://en.yna.co.kr/view/... URLs,
and what a public archive also holds: a page captured twice (the same digest), a
later capture of a revised page (another digest, a later modified_time), a newer
capture that is a challenge page (the older one is the article), a 404 capture, a 302
capture, a page captured only on m-en.yna.co.kr, a listing page, and another site's
page claiming an AEN id.
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "tests" / "fixtures" / "pages").glob("*.html"))
PYWB_VENV = ROOT / ".venv-pywb"
HTML = [("Content-Type", "text/html; charset=UTF-8")]

# Roles of the real pages in the collection (all but the 2019 one are of 2023-04-19).
TWICE = PAGES[1].stem  # captured twice, byte for byte: fetched once
REVISED = PAGES[2].stem  # captured again a year later, modified later
CHALLENGED = PAGES[3].stem  # its newest capture is a challenge page: the older one counts
MOBILE_ONLY = PAGES[4].stem  # captured only on m-en.yna.co.kr
REDIRECT_TARGET = PAGES[0].stem  # the 2019 page: where the redirect capture leads
REDIRECTING = "AEN20230419009800315"  # a 302 capture, to REDIRECT_TARGET
NOT_FOUND = "AEN20230419009900315"  # a 404 capture
OTHER_HOST_ID = "AEN20230419009700315"  # example.com's page claiming an id
LEGACY_ID = "AEN20230419009600315"  # a page on the old host, english.yonhapnews.co.kr
LEGACY_URL = f"http://english.yonhapnews.co.kr/news/2023/04/19/0200000000{LEGACY_ID}.html"
CHALLENGE = (b"<html><head><title>Just a moment...</title></head><body>Checking your browser"
             b"</body></html>")


def revised(page: bytes) -> bytes:
    """The page as a later capture has it: modified later, a paragraph more."""
    page = re.sub(rb'(article:modified_time" content=")[^"]+', rb"\g<1>2023-04-20T09:00:00+09:00", page, count=1)
    return page.replace(b"</article>", b"<p>An added closing paragraph of the revised story.</p></article>", 1)


def write_collection_warc(path: Path) -> dict[str, list[str]]:
    """The collection's WARC file; returns article id -> capture timestamps written."""
    written: dict[str, list[str]] = {}

    def record(writer, url, status, body, headers, when):
        http = StatusAndHeaders(f"{status} {'OK' if status == 200 else 'X'}",
                                [*headers, ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body),
                                                      http_headers=http, warc_headers_dict={"WARC-Date": when}))
        match = re.search(r"AEN\d{17}", url)
        if match:
            written.setdefault(match.group(0), []).append(re.sub(r"\D", "", when)[:14])

    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for number, page in enumerate(PAGES):
            if page.stem == MOBILE_ONLY:
                continue
            record(writer, f"https://en.yna.co.kr/view/{page.stem}", 200, page.read_bytes(), HTML,
                   f"2023-05-{1 + number:02d}T10:00:00Z")
        body = PAGES[1].read_bytes()
        record(writer, f"https://en.yna.co.kr/view/{TWICE}?section=nk/nk", 200, body, HTML, "2024-01-01T00:00:00Z")
        record(writer, f"https://en.yna.co.kr/view/{REVISED}", 200, revised(PAGES[2].read_bytes()), HTML,
               "2024-04-19T00:00:00Z")
        record(writer, f"https://en.yna.co.kr/view/{CHALLENGED}", 200, CHALLENGE, HTML, "2024-06-01T00:00:00Z")
        record(writer, f"http://m-en.yna.co.kr/view/{MOBILE_ONLY}", 200, PAGES[4].read_bytes(), HTML,
               "2023-06-01T10:00:00Z")
        record(writer, f"https://en.yna.co.kr/view/{REDIRECTING}", 302, b"",
               [("Location", f"https://www.yna.co.kr/view/{REDIRECT_TARGET}")], "2023-05-20T00:00:00Z")
        record(writer, f"https://en.yna.co.kr/view/{NOT_FOUND}", 404, b"<html>Not Found</html>", HTML,
               "2023-05-01T00:00:00Z")
        # A real page as the old host would have served it, under its own id.
        record(writer, LEGACY_URL, 200, PAGES[7].read_bytes().replace(PAGES[7].stem.encode(), LEGACY_ID.encode()),
               HTML, "2023-05-01T00:00:00Z")
        record(writer, "https://en.yna.co.kr/news", 200, b"<html><body>a listing</body></html>", HTML,
               "2023-05-01T00:00:00Z")
        record(writer, f"https://example.com/view/{OTHER_HOST_ID}", 200, PAGES[6].read_bytes(), HTML,
               "2023-05-01T00:00:00Z")
    return written


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pywb_bin(name: str) -> Path:
    """A program of pywb's own venv, made when missing (.ci/run makes it first): pywb
    2.10 pulls brotlipy, whose `brotli` module would replace the one Scrapy decodes with."""
    program = PYWB_VENV / "bin" / name
    if not program.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PYWB_VENV)], check=True)
        subprocess.run([str(PYWB_VENV / "bin" / "pip"), "install", "--quiet", "pywb>=2.10,<2.11"], check=True)
    return program


class Pywb:
    """wb-manager init + add, then `wayback` on a free loopback port."""

    def __init__(self, home: Path, collection: str = "yna"):
        self.home, self.collection = home, collection
        home.mkdir(parents=True, exist_ok=True)
        self.captures = write_collection_warc(home / "yna.warc.gz")
        for command in (["init", collection], ["add", collection, str(home / "yna.warc.gz")]):
            subprocess.run([str(pywb_bin("wb-manager")), *command], cwd=home, check=True, capture_output=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/{collection}"
        self.archive_dir = home / "collections" / collection / "archive"
        self.log = open(home / "wayback.log", "wb")
        self.process = subprocess.Popen([str(pywb_bin("wayback")), "-p", str(self.port), "-b", "127.0.0.1"], cwd=home,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urlopen(f"{self.url}/cdx?url=en.yna.co.kr/news&output=json", timeout=2).read()
                return
            except OSError:
                assert self.process.poll() is None, (home / "wayback.log").read_text()
                time.sleep(0.3)
        raise AssertionError("pywb did not start")

    def requests(self) -> list[str]:
        """The paths pywb was asked for, from its log."""
        self.log.flush()
        return re.findall(r'"GET (\S+) HTTP', (self.home / "wayback.log").read_text(errors="replace"))

    def cdx_lines(self, prefix: str) -> list[dict]:
        answer = urlopen(f"{self.url}/cdx?url={prefix}&matchType=prefix&output=json", timeout=10).read()
        return [json.loads(line) for line in answer.splitlines() if line.strip()]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


class Server:
    """A ThreadingHTTPServer on a free loopback port with `answer(handler)` as its GET."""

    def __init__(self, answer):
        outer = self
        self.requests: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(self.path)
                status, headers, body = answer(self)
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def wayback_front(pywb: Pywb, page_lines: int = 3, throttle_first: bool = True, delays: dict | None = None) -> Server:
    """The Internet Archive's shapes in front of pywb: /cdx/search/cdx answers JSON arrays
    (a header row, then rows; `showResumeKey`: [], [key] after `page_lines` rows), and
    /web/<timestamp>id_/<url> the original body with the original headers prefixed
    X-Archive-Orig-*. The first CDX query gets a 429 with Retry-After: 1. `delays`
    ({"replay": seconds}, changeable while it runs) slows each replay."""
    throttled = {"done": not throttle_first}
    fields = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]

    def answer(handler):
        parts = urlsplit(handler.path)
        if parts.path == "/cdx/search/cdx":
            if not throttled["done"]:
                throttled["done"] = True
                return 429, [("Retry-After", "1")], b"Too Many Requests"
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            match = "prefix" if query.get("matchType") == "prefix" else "exact"
            answer = urlopen(f"{pywb.url}/cdx?url={query['url']}&matchType={match}&output=json", timeout=10).read()
            lines = [json.loads(line) for line in answer.splitlines() if line.strip()]
            rows = [[line["urlkey"], line["timestamp"], line["url"], line["mime"], line["status"], line["digest"],
                     line["length"]] for line in lines]
            start = int(query.get("resumeKey", "0"))
            page = rows[start:start + page_lines]
            out = [fields, *page]
            if query.get("showResumeKey") == "true" and start + page_lines < len(rows):
                out += [[], [str(start + page_lines)]]
            return 200, [("Content-Type", "application/json")], json.dumps(out).encode() if rows else b"[]"
        match = re.fullmatch(r"/web/(\d{14})id_/(.+)", handler.path)
        if match:
            time.sleep((delays or {}).get("replay", 0))  # a slow archive: a crawl to kill half-way
            try:
                with urlopen(f"{pywb.url}/{match.group(1)}id_/{match.group(2)}", timeout=10) as original:
                    status, headers, body = original.status, original.headers.items(), original.read()
            except OSError as error:
                status, headers, body = getattr(error, "code", 502), list(getattr(error, "headers", {}).items()), b""
            kept = [(f"X-Archive-Orig-{name}", value) for name, value in headers
                    if name.lower() not in ("content-length", "transfer-encoding", "date")]
            content_type = next((value for name, value in headers if name.lower() == "content-type"), "text/html")
            return status, [("Content-Type", content_type), ("Memento-Datetime", "x"), *kept], body
        return 404, [], b"not here"

    return Server(answer)


def commoncrawl_front(pywb: Pywb, crawl: str = "CC-MAIN-2024-10", extra_lines: list[dict] | None = None,
                      ranges: dict | None = None) -> tuple[Server, Server]:
    """Common Crawl's shapes: an index server answering pywb's CDX lines (plus
    `extra_lines`) for /<crawl>-index, with showNumPages, and collinfo.json; and a data
    server serving the collection's WARC files by byte range (`ranges`: filename ->
    "cut" to send fewer bytes than asked)."""
    ranges = ranges or {}

    def index(handler):
        parts = urlsplit(handler.path)
        if parts.path == "/collinfo.json":
            return 200, [("Content-Type", "application/json")], json.dumps([{"id": crawl, "name": crawl}]).encode()
        if parts.path != f"/{crawl}-index":
            return 404, [], b"no such index"
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if query.get("showNumPages") == "true":
            return 200, [("Content-Type", "application/json")], json.dumps({"pages": 2, "pageSize": 5,
                                                                            "blocks": 2}).encode()
        match = "prefix" if query.get("matchType") == "prefix" else "exact"
        lines = urlopen(f"{pywb.url}/cdx?url={query['url']}&matchType={match}&output=json", timeout=10).read()
        lines = [line for line in lines.splitlines() if line.strip()]
        if match == "prefix":
            for extra in [line for line in extra_lines or [] if line["url"].split("://", 1)[1].startswith(query["url"])]:
                # beside the lines of the same URL, as an index sorts them
                same = [n for n, line in enumerate(lines) if json.loads(line)["url"] == extra["url"]]
                lines.insert(same[-1] + 1 if same else len(lines), json.dumps(extra).encode())
            lines.append(b"{not json")
            half = (len(lines) + 1) // 2
            lines = lines[:half] if query.get("page", "0") == "0" else lines[half:]  # two pages
        return 200, [("Content-Type", "text/x-ndjson")], b"\n".join(lines) + b"\n"

    def data(handler):
        name = urlsplit(handler.path).path.lstrip("/")
        path = pywb.archive_dir / name
        if not path.is_file():
            return 404, [], b""
        content = path.read_bytes()
        match = re.fullmatch(r"bytes=(\d+)-(\d+)", handler.headers.get("Range", ""))
        if not match:
            return 200, [], content
        start, end = int(match.group(1)), int(match.group(2))
        if start >= len(content):
            return 416, [("Content-Range", f"bytes */{len(content)}")], b""
        piece = content[start:end + 1]
        if ranges.get(name) == "cut":
            piece = piece[: len(piece) // 2]
        return 206, [("Content-Range", f"bytes {start}-{start + len(piece) - 1}/{len(content)}")], piece

    return Server(index), Server(data)
