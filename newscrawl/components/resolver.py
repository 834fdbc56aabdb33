"""TWISTED_DNS_RESOLVER of newscrawl: Scrapy's caching resolver, refusing a host NAME that
resolves to a special address (link-local such as the cloud metadata service, private,
reserved, multicast) before any request leaves for it (newscrawl.guards). A check of the
connected peer would come too late: the request would be on its way. Loopback stays
allowed (local mirrors); the base URL's host, Yonhap's hosts and NEWSCRAWL_ALLOWED_HOSTS
are the operator's own and are not judged. Scrapy builds the resolver once per process,
from the process's settings (so no per-crawl stat: each refusal is one ERROR line)."""
from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlsplit

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from newscrawl.guards import address_problem
from newscrawl.ids import YONHAP_HOSTS

logger = logging.getLogger(__name__)

# Names refused this process (one resolver serves every crawl of a process): said once
# each; the retry middleware does not try them again (Twisted reports a refused name as
# "no results for hostname lookup").
_REFUSED: dict[str, str] = {}


def refused_host(name: str) -> str | None:
    """Why `name` was refused by the resolver, or None."""
    return _REFUSED.get(name.lower().rstrip("."))


class GuardedResolver(CachingThreadedResolver):
    def __init__(self, reactor, cache_size: int, timeout: float, trusted: set[str] = frozenset()):
        super().__init__(reactor, cache_size, timeout)
        self.trusted = {host.lower().rstrip(".") for host in trusted}

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        settings = crawler.settings
        base = urlsplit(settings.get("YONHAP_BASE_URL") or "").hostname
        resolver.trusted = {host.lower() for host in (*YONHAP_HOSTS, *settings.getlist("NEWSCRAWL_ALLOWED_HOSTS"), base)
                            if host}
        return resolver

    def getHostByName(self, name: str, timeout=()):
        resolved = super().getHostByName(name, timeout)
        if name.lower().rstrip(".") in self.trusted:
            return resolved
        return resolved.addCallback(self._judge, name)

    def _judge(self, address: str, name: str) -> str:
        try:
            problem = address_problem(ipaddress.ip_address(address))
        except ValueError:
            return address
        if problem:
            key = name.lower().rstrip(".")
            if key not in _REFUSED:
                logger.error("refused: %s resolves to %s, %s; allow it with -s NEWSCRAWL_ALLOWED_HOSTS=%s",
                             name, address, problem, name)
            _REFUSED[key] = f"{name} resolves to {address}, {problem}"
            raise DNSLookupError(f"{_REFUSED[key]}: refused")
        return address
