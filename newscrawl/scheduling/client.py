"""A small scrapyd client (schedule.json, listjobs.json) and the credentials it sends.

Credentials come from SCRAPYD_USERNAME / SCRAPYD_PASSWORD or from a file holding
"user:password" (--auth-file, outside the repository); they are never logged and
never taken on the command line, where `ps` would show them.
"""
from __future__ import annotations

import base64
import json
import logging
import os
import socket
import stat
import threading
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from newscrawl.secrets import has_credentials, redacted

logger = logging.getLogger("newscrawl.scheduling")

DEFAULT_URL = "http://127.0.0.1:6800"
MAX_ANSWER = 16 * 1024 * 1024  # a listjobs.json larger than this is no scrapyd's


class ScrapydError(Exception):
    """scrapyd could not be reached or refused a call; the message says which."""


class CredentialsError(ScrapydError):
    """scrapyd answered 401: the credentials are missing or wrong (not worth retrying)."""


def read_credentials(auth_file: str | None = None, environ=os.environ) -> tuple[str, str] | None:
    """(user, password) from an auth file ("user:password") or the environment, else None."""
    if auth_file:
        path = Path(auth_file)
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ValueError(f"auth file {auth_file}: {error.strerror or error}") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            logger.warning("auth file %s can be read by other users: chmod 600 it", auth_file)
        user, sep, password = text.partition(":")
        if not sep or not user or not password:
            raise ValueError(f"auth file {auth_file}: expected one line user:password")
        return user, password
    user, password = environ.get("SCRAPYD_USERNAME", ""), environ.get("SCRAPYD_PASSWORD", "")
    if user and password:
        return user, password
    return None


@dataclass
class ScrapydClient:
    url: str = DEFAULT_URL
    credentials: tuple[str, str] | None = None
    timeout: float = 10.0  # for a whole call, connecting to the last byte
    _open: set = field(default_factory=set, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __post_init__(self):
        if has_credentials(self.url):
            # On the command line `ps` shows them, and every message would repeat them.
            raise ValueError(f"scrapyd URL {redacted(self.url)} carries credentials: give the URL without them, and "
                             "user:password in an --auth-file (or SCRAPYD_USERNAME/SCRAPYD_PASSWORD)")
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not a scrapyd URL: {self.url!r} (e.g. {DEFAULT_URL})")
        self.url = self.url.rstrip("/")

    def _request(self, what: str, path: str, form: list[tuple[str, str]] | None = None,
                 headers: dict | None = None, tail: int | None = None, method: str | None = None,
                 ) -> tuple[int, bytes, dict]:
        """One request, bounded as a whole by `timeout` (a node that trickles a byte every few
        seconds never trips a per-read timeout: its socket is shut down at the deadline).
        The body is read up to MAX_ANSWER + 1 bytes, or, with `tail`, only its last `tail`."""
        parts = urlsplit(self.url)
        headers = dict(headers or {})
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.credentials:
            headers["Authorization"] = "Basic " + base64.b64encode(":".join(self.credentials).encode()).decode()
        connection = (HTTPSConnection if parts.scheme == "https" else HTTPConnection)(
            parts.hostname, parts.port, timeout=self.timeout)
        late = threading.Event()
        deadline = threading.Timer(self.timeout, self._abort, args=(connection, late))
        deadline.daemon = True
        with self._lock:
            self._open.add(connection)
        deadline.start()
        try:
            connection.request(method or ("POST" if form is not None else "GET"), path,
                               body=urlencode(form).encode() if form is not None else None, headers=headers)
            response = connection.getresponse()
            status, response_headers = response.status, {k.lower(): v for k, v in response.getheaders()}
            if tail is None:
                body = response.read(MAX_ANSWER + 1)
            else:  # a server that ignores Range sends it all: keep the end
                body = b""
                while chunk := response.read(1 << 16):
                    body = (body + chunk)[-tail:]
        except (OSError, HTTPException) as error:
            if late.is_set():
                raise ScrapydError(f"scrapyd at {self.url} did not answer {what} within {self.timeout:g} s") from None
            raise ScrapydError(f"scrapyd at {self.url} is unreachable: {getattr(error, 'reason', error)}") from None
        finally:
            deadline.cancel()
            connection.close()
            with self._lock:
                self._open.discard(connection)
        if status == 401:
            raise CredentialsError(f"scrapyd at {self.url} refused the credentials (401): set SCRAPYD_USERNAME and "
                                   "SCRAPYD_PASSWORD, or --auth-file")
        return status, body, response_headers

    def _call(self, endpoint: str, query: dict | None = None, form: list[tuple[str, str]] | None = None) -> dict:
        path = (urlsplit(self.url).path or "") + f"/{endpoint}" + (f"?{urlencode(query)}" if query else "")
        status, body, _ = self._request(endpoint, path, form)
        if status != 200:
            raise ScrapydError(f"scrapyd at {self.url} answered {status} to {endpoint}")
        try:
            answer = json.loads(body) if len(body) <= MAX_ANSWER else None
        except ValueError:
            raise ScrapydError(f"scrapyd at {self.url} gave no JSON for {endpoint}") from None
        if not isinstance(answer, dict):  # [], null, a string, an answer too large: not scrapyd's
            raise ScrapydError(f"scrapyd at {self.url} gave {endpoint} an answer that is not a JSON object")
        if answer.get("status") != "ok":
            raise ScrapydError(f"scrapyd {endpoint}: {str(answer.get('message', answer))[:200]}")
        return answer

    @staticmethod
    def _abort(connection, late: threading.Event | None = None) -> None:
        if late is not None:
            late.set()
        sock = connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once
            except OSError:
                pass

    def abort(self) -> None:
        """End every call in progress (a shutdown): each raises ScrapydError at once."""
        with self._lock:
            for connection in list(self._open):
                self._abort(connection)

    def list_jobs(self, project: str) -> dict:
        """{"pending": [job, ...], "running": [...], "finished": [...]}; a node whose
        answer has another shape is treated as one that is down."""
        answer = self._call("listjobs.json", {"project": project})
        for state in ("pending", "running", "finished"):
            jobs = answer.get(state, [])
            if not isinstance(jobs, list) or not all(isinstance(job, dict) for job in jobs):
                raise ScrapydError(f"scrapyd at {self.url} gave listjobs.json a {state!r} that is not a list of jobs")
        return answer

    def log_tail(self, log_url: str, size: int = 256 * 1024) -> str:
        """The last `size` bytes of a job's log, from the `log_url` listjobs.json gives
        (scrapyd serves its logs_dir, Range requests included)."""
        if (not isinstance(log_url, str) or "/logs/" not in "/" + log_url or urlsplit(log_url).scheme
                or any(ord(char) <= 32 or ord(char) == 127 for char in log_url)):
            raise ScrapydError(f"scrapyd at {self.url} gave a log URL that is not one of its logs: {str(log_url)[:100]!r}")
        path = log_url if log_url.startswith("/") else (urlsplit(self.url).path or "") + "/" + log_url
        # The length first: twisted (scrapyd's web server) fails a suffix range longer
        # than the file, so the range asked for is from an offset.
        status, _, headers = self._request(log_url, path, method="HEAD")
        length = headers.get("content-length", "")
        start = max(0, int(length) - size) if status == 200 and length.isdigit() else 0
        status, body, _ = self._request(log_url, path, headers={"Range": f"bytes={start}-"} if start else {},
                                        tail=size)
        if status not in (200, 206):
            raise ScrapydError(f"scrapyd at {self.url} answered {status} to {log_url}")
        return body.decode("utf-8", "replace")

    def schedule(self, project: str, spider: str, arguments: dict[str, str], settings: dict[str, str]) -> str:
        form = [("project", project), ("spider", spider)]
        form += [("setting", f"{name}={value}") for name, value in settings.items()]
        form += list(arguments.items())
        job = self._call("schedule.json", form=form).get("jobid")
        if not isinstance(job, str) or not job:
            raise ScrapydError(f"scrapyd at {self.url} scheduled no job id")
        return job
