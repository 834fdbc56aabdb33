"""What a crawl refuses to do, whoever asks (no Scrapy import; docs/reliability.md).

- Open a control port: the Telnet console and RemoteControl let whoever reaches the
  port run code in the crawler. A scrapyd job's `setting=` or `newscrawl trigger -s`
  could switch them on; a crawl refuses to start instead.
- Fetch explicit URLs at special addresses: link-local (169.254.169.254, the cloud
  metadata service), private, multicast, reserved or unspecified IP addresses are no
  place for a news page, and fetching them from a server leaks what is there into
  the feed and the logs. Loopback stays allowed (local mirrors); a host named in
  NEWSCRAWL_ALLOWED_HOSTS is allowed whatever it is.
"""
from __future__ import annotations

import ipaddress
from typing import Callable, Iterable
from urllib.parse import urlsplit

# Settings that open a port through which the crawl can be driven.
CONTROL_PORT_SETTINGS = ("TELNETCONSOLE_ENABLED", "REMOTE_CONTROL_ENABLED")
# Names that reach a cloud metadata service without an address.
_METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.goog", "instance-data"})


def control_port_problems(getbool: Callable[[str], bool]) -> list[str]:
    """One sentence for each setting in force that would open a control port."""
    return [f"setting {name} would open a control port; newscrawl crawls refuse it"
            for name in CONTROL_PORT_SETTINGS if getbool(name)]


def special_address(url: str, allowed_hosts: Iterable[str] = ()) -> str | None:
    """Why a URL's host is refused ("a link-local address", ...), or None if it may be fetched."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host in {h.lower() for h in allowed_hosts}:
        return None
    if host in _METADATA_HOSTS:
        return "a cloud metadata host"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None  # a name: resolved by the downloader
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None
    for kind, special in (("a link-local", address.is_link_local), ("a multicast", address.is_multicast),
                          ("an unspecified", address.is_unspecified), ("a reserved", address.is_reserved),
                          ("a private", address.is_private)):
        if special:
            return f"{kind} address"
    return None
