"""Serving the mirror over real HTTP on 127.0.0.1: MirrorServer (threads; counts the
paths asked for, injects faults, answers in content codings) for tests and the demo,
and serve_fast (asyncio, nothing else) for benchmarks."""
from __future__ import annotations

import gzip
import re
import socket
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from newscrawl.mirror.faults import CHALLENGE_PAGE, TRANSIENT_FAULTS, FaultPlan

def _zstd(body: bytes) -> bytes:
    try:
        from compression import zstd
    except ImportError:
        from backports import zstd
    return zstd.compress(body)


def _brotli(body: bytes) -> bytes:
    import brotli

    return brotli.compress(body)


_COMPRESSORS = {"gzip": gzip.compress, "deflate": zlib.compress, "br": _brotli, "zstd": _zstd}


class MirrorServer(ThreadingHTTPServer):
    """Serves a built site on 127.0.0.1 (or `host`); `requests` counts the paths asked for.

    `article_delay` (seconds) slows every /view/ page, to stand for a slow site.
    `faults` (a FaultPlan) makes chosen paths fail; `faulted` maps each faulted
    path to its mode, `early_retries` lists paths asked again before their 429's
    Retry-After had passed."""

    daemon_threads = True

    def __init__(self, site: dict[str, tuple[str, bytes]], port: int = 0, article_delay: float = 0.0,
                 faults: FaultPlan | None = None, codings: tuple[str, ...] = (), host: str = "127.0.0.1"):
        self.site = site
        # Content codings to answer with, in turn, where the request accepts them
        # (the live site compresses; an archive must keep the body as it came).
        self.codings = codings
        self.article_delay = article_delay
        self.plan = faults or FaultPlan()
        self.faulted = self.plan.assign(site)
        self.requests: dict[str, int] = {}
        self.early_retries: list[str] = []
        self._throttled_at: dict[str, float] = {}
        self._lock = threading.Lock()
        super().__init__((host, port), _Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "MirrorServer":
        threading.Thread(target=self.serve_forever, name="mirror", daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request, client_address):
        # A crawler hanging up on an oversize or reset response is part of the test.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: MirrorServer
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = urlsplit(self.path).path
        with self.server._lock:
            attempt = self.server.requests[path] = self.server.requests.get(path, 0) + 1
        if self.server.article_delay and path.startswith("/view/"):
            time.sleep(self.server.article_delay)
        content_type, body = self.server.site.get(path, ("text/plain; charset=utf-8", b""))
        status = 200 if path in self.server.site else 404
        if status == 404:
            body = b"not found\n"
        fault = self.server.faulted.get(path)
        plan = self.server.plan
        if fault and (fault not in TRANSIENT_FAULTS or attempt <= plan.times) and self._fault(fault, path, body):
            return
        if fault == "throttle_429":
            with self.server._lock:
                asked = self.server._throttled_at.get(path)
            if asked is not None and time.monotonic() - asked < plan.retry_after:
                self.server.early_retries.append(path)
        coding = self._coding(path)
        if coding and status == 200:
            self._send(status, content_type, _COMPRESSORS[coding](body), {"Content-Encoding": coding, "Vary": "Accept-Encoding"})
            return
        self._send(status, content_type, body)

    def _coding(self, path: str) -> str | None:
        """The coding this path is sent with: the server's codings in turn by path, if accepted."""
        if not self.server.codings:
            return None
        accepted = {part.split(";")[0].strip() for part in (self.headers.get("Accept-Encoding") or "").split(",")}
        coding = self.server.codings[sum(path.encode()) % len(self.server.codings)]
        return coding if coding in accepted else None

    def _send(self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _fault(self, fault: str, path: str, body: bytes) -> bool:
        """Answer with the fault; False when the normal response should follow."""
        plan = self.server.plan
        html_type = "text/html; charset=utf-8"
        if fault.startswith("http_5"):
            self._send(int(fault[-3:]), "text/plain", b"server error\n")
        elif fault in ("not_found_404", "gone_410"):
            self._send(int(fault[-3:]), "text/plain", b"gone\n")
        elif fault == "throttle_429":
            with self.server._lock:
                self.server._throttled_at[path] = time.monotonic()
            self._send(429, "text/plain", b"slow down\n", {"Retry-After": str(plan.retry_after)})
        elif fault == "slow":
            time.sleep(plan.slow_seconds)
            self._send(200, html_type, body)
        elif fault == "reset":  # the headers promise the whole page; half comes, then the connection dies
            self.send_response(200)
            self.send_header("Content-Type", html_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
        elif fault == "truncated_html":  # a complete HTTP response of a page cut part-way through the story
            cut = body.find(b"(Yonhap) --")
            self._send(200, html_type, body[: (cut + 400) if cut > 0 else len(body) // 2])
        elif fault == "challenge":
            self._send(200, html_type, CHALLENGE_PAGE)
        elif fault == "empty_body":
            self._send(200, html_type, b"")
        elif fault == "offsite_redirect":
            self._send(302, "text/plain", b"", {"Location": f"http://offsite.example{path}"})
        elif fault == "moved_once":  # a redirect hop on the same site, then the page
            self._send(301, "text/plain", b"", {"Location": f"{path}?hop=1"})
        elif fault == "redirect_loop":
            self._send(302, "text/plain", b"", {"Location": f"{path}?loop={self.server.requests[path]}"})
        elif fault == "oversize":
            self._send_oversize(plan.oversize_bytes)
        elif fault == "oversize_unannounced":  # no Content-Length: the size shows only as it arrives
            self._send_oversize(plan.oversize_bytes, announced=False)
        elif fault == "gzip_bomb":  # a few KB on the wire, more than DOWNLOAD_MAXSIZE once decompressed
            self._send(200, html_type, gzip.compress(b" " * plan.oversize_bytes), {"Content-Encoding": "gzip"})
        elif fault in ("bad_dates", "bad_meta_dates"):
            broken = re.sub(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00", b"2023-13-45T99:99:99+09:00", body)
            if fault == "bad_dates":  # every source of the time, CONTENT_DATA's too
                broken = re.sub(rb'"DATETIME"\s*:\s*"\d{14}"', b'"DATETIME":"20231345999999"', broken)
            self._send(200, html_type, broken)
        elif fault == "euc_kr_declared":
            self._send(200, "text/html; charset=euc-kr", body)
        return True

    def _send_oversize(self, size: int, announced: bool = True) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if announced:
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True  # the body ends when the connection does
        self.end_headers()
        chunk = b"<p>" + b"x" * 65530 + b"</p>"
        try:
            for _ in range(size // len(chunk)):
                self.wfile.write(chunk)
        except OSError:  # the crawler hung up, as it should
            pass

    def log_message(self, format, *args):  # keep test and demo output clean
        pass


def serve_fast(site: dict[str, tuple[str, bytes]], listening: "socket.socket", gzip_level: int | None = None) -> None:
    """Serve `site` on an already bound socket with asyncio, until killed.

    For benchmarks: plain GET with keep-alive and nothing else (no request counting,
    no delays), several times faster than MirrorServer, so the mirror is not what a
    benchmark measures. With `gzip_level`, a request that accepts gzip gets every body
    gzip-encoded at that level (compressed once, before serving), as a live web
    server sends its pages."""
    import asyncio

    def response(content_type: str, body: bytes, encoded: bool) -> bytes:
        if encoded:
            body = gzip.compress(body, compresslevel=gzip_level, mtime=0)
        encoding = "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n" if encoded else ""
        return (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n{encoding}Content-Length: {len(body)}\r\n\r\n"
                .encode() + body)

    plain = {path: response(content_type, body, False) for path, (content_type, body) in site.items()}
    encoded = ({path: response(content_type, body, True) for path, (content_type, body) in site.items()}
               if gzip_level is not None else plain)
    missing = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nnot found\n"

    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                target = head.split(b" ", 2)[1].decode("latin-1")
                accepts_gzip = re.search(rb"(?im)^accept-encoding:[^\r\n]*\bgzip\b", head) is not None
                writer.write((encoded if accepts_gzip else plain).get(urlsplit(target).path, missing))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, sock=listening)
        async with server:
            await server.serve_forever()

    asyncio.run(main())
