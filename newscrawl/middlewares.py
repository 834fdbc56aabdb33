"""Downloader middlewares: retries with backoff that honour Retry-After, and
robots.txt obeyed by every request that waits for it (docs/reliability.md).

Retries:

Scrapy's RetryMiddleware re-schedules a failed request at once. This subclass keeps
its rules (RETRY_TIMES, RETRY_HTTP_CODES, the exceptions it retries, its stats) and
waits before handing the retry back: NEWSCRAWL_RETRY_BACKOFF_BASE * 2**(n-1) seconds
for the n-th retry, at most NEWSCRAWL_RETRY_BACKOFF_MAX; for a 429 or 503 with a
Retry-After header, at least what the site asked. A Retry-After longer than
NEWSCRAWL_RETRY_AFTER_MAX is not waited for: the request is given up (stat
newscrawl/retry/retry_after_too_long) rather than hold a download slot that long.
The wait holds the request's download slot, which is what a site that says "slow
down" wants. A shutdown (Ctrl-C, SIGTERM, a stopped crawl) ends every wait at once:
the request is given up as failed (stat newscrawl/retry/cut_at_shutdown), so a stop
never waits out a Retry-After (systemd's stop timeout is 90 s).

robots.txt: Scrapy 2.19's RobotsTxtMiddleware lets the requests that arrive while
robots.txt is being fetched wait on one shared Deferred, which hands the parser to
the first of them only; the others get None and go out unchecked. Here each waiter
gets a Deferred of its own, fired with the parser (remove once Scrapy fixes it).
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from newscrawl.components.engine import engine_closing
from newscrawl.components.resolver import refused_host

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds asked by a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings, crawler):
        super().__init__(settings)
        self.crawler = crawler
        self.backoff_base = settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_MAX", 30.0)
        self.retry_after_max = settings.getfloat("NEWSCRAWL_RETRY_AFTER_MAX", 120.0)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings, crawler)

    def _backoff(self, retry: Request) -> float:
        attempt = retry.meta.get("retry_times", 1)
        return min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))

    # How often a wait looks whether the crawl is shutting down.
    SHUTDOWN_POLL_SECONDS = 0.25

    async def _wait(self, seconds: float, request: Request, why: str) -> bool:
        """Wait before a retry; False when a shutdown cut the wait short."""
        if seconds <= 0:
            return True
        self.crawler.stats.inc_value("newscrawl/retry/waits")
        self.crawler.stats.inc_value("newscrawl/retry/wait_seconds", round(seconds))
        logger.debug("waiting %.1f s before retrying %s (%s)", seconds, request.url, why)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (left := deadline - loop.time()) > 0:
            if engine_closing(self.crawler.engine):
                self.crawler.stats.inc_value("newscrawl/retry/cut_at_shutdown")
                logger.info("shutting down: retry of %s given up (%s)", request.url, why)
                return False
            await asyncio.sleep(min(left, self.SHUTDOWN_POLL_SECONDS))
        return True

    async def process_response(self, request, response):
        asked = None
        if response.status in (429, 503):
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            if asked is not None and asked > self.retry_after_max:
                self.crawler.stats.inc_value("newscrawl/retry/retry_after_too_long")
                logger.error("gave up %s: the site asks to retry in %.0f s (more than NEWSCRAWL_RETRY_AFTER_MAX)",
                             request.url, asked)
                return response
        result = super().process_response(request, response)
        if isinstance(result, Request):
            if asked is not None:
                self.crawler.stats.inc_value("newscrawl/retry/retry_after_honoured")
            if not await self._wait(max(self._backoff(result), asked or 0), request, f"status {response.status}"):
                return response
        return result

    async def process_exception(self, request, exception):
        if refused_host(urlparse_cached(request).hostname or ""):
            # Its name resolves to a special address (newscrawl.components.resolver): a
            # refusal, not a failure that another try might mend.
            self.crawler.stats.inc_value("newscrawl/guards/resolved_special")
            return None
        result = super().process_exception(request, exception)
        if isinstance(result, Request) and not await self._wait(self._backoff(result), request,
                                                                 type(exception).__name__):
            return None  # the exception goes on to the request's errback
        return result


def _without_traceback(record: logging.LogRecord) -> bool:
    """Scrapy logs a robots.txt that could not be fetched with its whole traceback; the
    error is the message (a host that does not resolve, or is refused)."""
    record.exc_info = record.exc_text = None
    return True


logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_without_traceback)


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    async def robot_parser(self, request):
        shared = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(shared, Deferred):
            # robots.txt is being fetched: wait on a Deferred of our own, fired with the
            # parser (or None on failure) and passing the result on down the shared one.
            own = Deferred()

            def hand_on(result):
                own.callback(result)
                return result

            shared.addBoth(hand_on)
            return await maybe_deferred_to_future(own)
        return await super().robot_parser(request)
