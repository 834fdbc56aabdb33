"""Credentials in URLs: found, masked in every message, refused where they do not belong
(no Scrapy import; docs/reliability.md, security review).

A PostgreSQL URL may carry its password as userinfo (`postgresql://u:pw@host/db`), as a
query parameter (`?password=pw`), or in a libpq multi-host URL (`u:pw@h1:5432,h2:5433`,
which urllib cannot parse: its "port" is not a number). Every message that names a store
or a scrapyd node goes through `redacted`, and any text that might quote a password back
(a driver's error) through `scrub`.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote

MASK = "***"
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^:@/?#]*):(?P<password>[^@/?#]*)@")
_QUERY_PASSWORD = re.compile(r"(?i)([?&]password=)([^&#]*)")


def passwords_in(url: str) -> list[str]:
    """The passwords a URL carries, as written and percent-decoded (longest first)."""
    found = []
    if match := _USERINFO.match(url):
        found.append(match.group("password"))
    query = url.split("?", 1)[1].split("#", 1)[0] if "?" in url else ""
    found += [value for key, value in parse_qsl(query, keep_blank_values=True) if key.lower() == "password"]
    found += [match.group(2) for match in _QUERY_PASSWORD.finditer(url)]
    variants = {form for value in found if value for form in (value, unquote(value))}
    return sorted(variants, key=len, reverse=True)


def redacted(url: str) -> str:
    """The URL with every password it carries shown as ***."""
    url = str(url)
    masked = _USERINFO.sub(lambda m: f"{m.group('scheme')}{m.group('user')}:{MASK}@", url, count=1)
    return _QUERY_PASSWORD.sub(lambda m: m.group(1) + MASK, masked)


def scrub(text: str, *urls: str) -> str:
    """`text` with the passwords of `urls` masked wherever they appear in it."""
    for url in urls:
        for password in passwords_in(str(url)):
            text = text.replace(password, MASK)
    return text


def has_credentials(url: str) -> bool:
    """Whether a URL carries a user name or password in its authority (`http://u:p@h/`)."""
    authority = str(url).split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return "@" in authority
