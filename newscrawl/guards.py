"""What a crawl refuses to do, whoever asks (no Scrapy import; docs/reliability.md).

- Open a control port: the Telnet console and RemoteControl let whoever reaches the
  port run code in the crawler. A scrapyd job's `setting=` or `newscrawl trigger -s`
  could switch them on; a crawl refuses to start instead.
- Fetch explicit URLs at special addresses: link-local (169.254.169.254, the cloud
  metadata service), private, multicast, reserved or unspecified IP addresses are no
  place for a news page, and fetching them from a server leaks what is there into
  the feed and the logs. Loopback stays allowed (local mirrors); a host named in
  NEWSCRAWL_ALLOWED_HOSTS is allowed whatever it is.
- Start with a component path that moved: settings written for an older newscrawl
  (a scrapyd job's `setting=`, a settings file) that name `newscrawl.incremental...`
  would fail deep inside Scrapy with an ImportError; the crawl names the new path
  instead (docs/running.md, "Component paths").
"""
from __future__ import annotations

import ipaddress
import json
import os
import socket
from typing import Callable, Iterable, Mapping
from urllib.parse import urlsplit

# Settings that open a port through which the crawl can be driven.
CONTROL_PORT_SETTINGS = ("TELNETCONSOLE_ENABLED", "REMOTE_CONTROL_ENABLED")
# Names that reach a cloud metadata service without an address.
_METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.goog", "instance-data"})


def control_port_problems(getbool: Callable[[str], bool]) -> list[str]:
    """One sentence for each setting in force that would open a control port."""
    return [f"setting {name} would open a control port; newscrawl crawls refuse it"
            for name in CONTROL_PORT_SETTINGS if getbool(name)]


def host_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names the way the resolver reads it, or None for a name: the
    dotted quad and every inet_aton form (2852039166, 0251.0376.0251.0376, 169.254.43518,
    0xa9fea9fe), and IPv6 that carries an IPv4 address (mapped ::ffff:, compatible ::,
    NAT64 64:ff9b::/96, 6to4 2002::/16) as that IPv4 address."""
    host = host.strip("[]").lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not host or not all(part and (part.isdigit() or part.startswith("0x")) for part in host.split(".")):
            return None
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address):
        as_int = int(address)
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64 or (as_int >> 32 == 0 and as_int > 1):  # NAT64; IPv4-compatible (not :: or ::1)
            return ipaddress.IPv4Address(as_int & 0xFFFFFFFF)
    return address


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def special_address(url: str, allowed_hosts: Iterable[str] = ()) -> str | None:
    """Why a URL's host is refused ("a link-local address", ...), or None if it may be fetched."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host in {h.lower() for h in allowed_hosts}:
        return None
    if host in _METADATA_HOSTS:
        return "a cloud metadata host"
    address = host_address(host)
    return None if address is None else address_problem(address)


def address_problem(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address is no place for a news page ("a private address"), or None."""
    if address.is_loopback:
        return None
    for kind, special in (("a link-local", address.is_link_local), ("a multicast", address.is_multicast),
                          ("an unspecified", address.is_unspecified), ("a reserved", address.is_reserved),
                          ("a private", address.is_private)):
        if special:
            return f"{kind} address"
    return None


# Components users name in their settings, moved when the package was regrouped
# (newscrawl 0.3): old dotted path -> new one. docs/running.md lists the same.
MOVED_COMPONENTS = {
    "newscrawl.feedexport.CheckedFeedExporter": "newscrawl.components.feedexport.CheckedFeedExporter",
    "newscrawl.exporters.ArticleCsvItemExporter": "newscrawl.components.exporters.ArticleCsvItemExporter",
    "newscrawl.incremental.IncrementalState": "newscrawl.components.incremental.IncrementalState",
    "newscrawl.incremental.DurableFileFeedStorage": "newscrawl.components.incremental.DurableFileFeedStorage",
    "newscrawl.dupefilter.ArticleDupeFilter": "newscrawl.components.dupefilter.ArticleDupeFilter",
    "newscrawl.dupefilter.JobdirDupeFilter": "newscrawl.components.dupefilter.JobdirDupeFilter",
    "newscrawl.warc.extension.WarcArchive": "newscrawl.components.archive.WarcArchive",
    "newscrawl.workers.ExtractionWorkers": "newscrawl.components.workers.ExtractionWorkers",
    "newscrawl.monitors.FieldStats": "newscrawl.components.monitors.FieldStats",
    "newscrawl.monitors.SpidermonExtension": "newscrawl.components.monitors.SpidermonExtension",
    "newscrawl.monitors.HealthMonitorSuite": "newscrawl.components.monitors.HealthMonitorSuite",
    "newscrawl.report.RunReport": "newscrawl.components.run_report.RunReport",
    "newscrawl.report.ProgressLog": "newscrawl.components.run_report.ProgressLog",
    "newscrawl.feeds.feed_uri_params": "newscrawl.feeds.files.feed_uri_params",
}
# The modules they came from: a path into one of these that the table does not name
# (a user's subclass of something else there) still gets a pointer to the new house.
MOVED_MODULES = {
    "newscrawl.feedexport": "newscrawl.components.feedexport", "newscrawl.exporters": "newscrawl.components.exporters",
    "newscrawl.incremental": "newscrawl.components.incremental", "newscrawl.dupefilter": "newscrawl.components.dupefilter",
    "newscrawl.warc.extension": "newscrawl.components.archive", "newscrawl.workers": "newscrawl.components.workers",
    "newscrawl.engine": "newscrawl.components.engine", "newscrawl.monitors": "newscrawl.components.monitors",
    "newscrawl.report": "newscrawl.components.run_report", "newscrawl.health": "newscrawl.monitoring.health",
    "newscrawl.progress": "newscrawl.monitoring.progress", "newscrawl.records": "newscrawl.feeds.records",
    "newscrawl.export": "newscrawl.feeds.export", "newscrawl.discovery": "newscrawl.discovery.rss_sitemap",
    "newscrawl.service": "newscrawl.scheduling",
}


def moved_component_problems(settings: Mapping[str, object]) -> list[str]:
    """One sentence for each setting whose value names a component by a path that moved
    (dict keys and values, list items, comma-separated or JSON-encoded strings, as
    `-s NAME=VALUE` gives them)."""
    problems = []
    for name in sorted(settings):
        for path in sorted(set(_dotted_names(settings[name]))):
            if new := MOVED_COMPONENTS.get(path):
                problems.append(f"setting {name} names {path}, which is now {new} (docs/running.md, Component paths)")
            elif old := _moved_module(path):
                problems.append(f"setting {name} names {path}, but module {old} is now {MOVED_MODULES[old]} "
                                "(docs/running.md, Component paths)")
    return problems


def _moved_module(path: str) -> str | None:
    """The moved module a dotted path points into, or None."""
    return next((old for old in sorted(MOVED_MODULES, key=len, reverse=True) if path.startswith(old + ".")), None)


def _dotted_names(value: object, depth: int = 0) -> Iterable[str]:
    if depth > 8:  # settings are shallow; a self-referencing value must not loop
        return
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in "{[":
            try:
                yield from _dotted_names(json.loads(text), depth + 1)
                return
            except ValueError:
                pass
        for part in text.split(","):
            if part.strip().startswith("newscrawl."):
                yield part.strip()
    elif isinstance(value, Mapping) or hasattr(value, "copy_to_dict"):
        items = value.copy_to_dict() if hasattr(value, "copy_to_dict") else value
        for key, item in items.items():
            yield from _dotted_names(key, depth + 1)
            yield from _dotted_names(item, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _dotted_names(item, depth + 1)


def non_utf8_paths(paths: Iterable[str | os.PathLike]) -> list[str]:
    """One sentence for each path whose name is not valid UTF-8 (a byte such as 0xff
    in a directory name): feed names, the store's text columns and the run report
    cannot hold it, so the crawl would fail part-way."""
    problems = []
    for path in paths:
        absolute = os.path.abspath(os.fspath(path))
        try:
            absolute.encode("utf-8")
        except UnicodeEncodeError:
            problems.append(f"path {os.fsencode(absolute)!r} is not valid UTF-8; rename it (or use another) "
                            "before crawling into it")
    return problems
