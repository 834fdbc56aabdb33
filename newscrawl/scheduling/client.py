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
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

logger = logging.getLogger("newscrawl.scheduling")

DEFAULT_URL = "http://127.0.0.1:6800"


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
    timeout: float = 10.0

    def __post_init__(self):
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not a scrapyd URL: {self.url!r} (e.g. {DEFAULT_URL})")
        self.url = self.url.rstrip("/")

    def _call(self, endpoint: str, query: dict | None = None, form: list[tuple[str, str]] | None = None) -> dict:
        address = f"{self.url}/{endpoint}" + (f"?{urlencode(query)}" if query else "")
        request = Request(address, data=urlencode(form).encode() if form is not None else None)
        if self.credentials:
            token = base64.b64encode(":".join(self.credentials).encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except HTTPError as error:
            if error.code == 401:
                raise CredentialsError(
                    f"scrapyd at {self.url} refused the credentials (401): set SCRAPYD_USERNAME and "
                    "SCRAPYD_PASSWORD, or --auth-file") from None
            raise ScrapydError(f"scrapyd at {self.url} answered {error.code} to {endpoint}") from None
        except (URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ScrapydError(f"scrapyd at {self.url} is unreachable: {reason}") from None
        try:
            answer = json.loads(body)
        except ValueError:
            raise ScrapydError(f"scrapyd at {self.url} gave no JSON for {endpoint}") from None
        if answer.get("status") != "ok":
            raise ScrapydError(f"scrapyd {endpoint}: {answer.get('message', answer)}")
        return answer

    def list_jobs(self, project: str) -> dict:
        return self._call("listjobs.json", {"project": project})

    def schedule(self, project: str, spider: str, arguments: dict[str, str], settings: dict[str, str]) -> str:
        form = [("project", project), ("spider", spider)]
        form += [("setting", f"{name}={value}") for name, value in settings.items()]
        form += list(arguments.items())
        return self._call("schedule.json", form=form)["jobid"]
