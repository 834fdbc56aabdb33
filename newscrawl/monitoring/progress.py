"""How far a long crawl has come: the figures of its progress line (no Scrapy import).

A backfill walks the listings from today back to `since`; the day it has reached,
against the window it must cover, says how much is done. Rates and the ETA come
from the elapsed time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Progress:
    day_reached: date | None  # the oldest day of a listed article so far
    share_done: float | None  # 0..1 of the since..until window; None without `since`
    articles: int  # exported so far
    per_minute: float
    eta_seconds: float | None

    def line(self, since: date | None) -> str:
        parts = []
        if self.day_reached:
            parts.append(f"day reached {self.day_reached}" + (f" (since {since})" if since else ""))
        if self.share_done is not None:
            parts.append(f"{self.share_done:.0%} done")
        parts.append(f"{self.articles} articles, {self.per_minute:.1f}/min")
        if self.eta_seconds is not None:
            parts.append(f"ETA {format_duration(self.eta_seconds)}")
        return "progress: " + ", ".join(parts)


def measure(*, since: date | None, until: date | None, today: date, day_reached: date | None,
            articles: int, elapsed_seconds: float) -> Progress:
    """The progress of a crawl walking back from `until` (or today) to `since`."""
    share = None
    if since and day_reached:
        top = min(until or today, today)
        span = (top - since).days + 1
        covered = (top - max(day_reached, since)).days + 1
        share = min(max(covered / span, 0.0), 1.0) if span > 0 else 1.0
    per_minute = articles / elapsed_seconds * 60 if elapsed_seconds > 0 else 0.0
    eta = None
    if share is not None and share > 0 and elapsed_seconds > 0:
        eta = elapsed_seconds * (1 - share) / share
    return Progress(day_reached, share, articles, per_minute, eta)


def format_duration(seconds: float) -> str:
    """3725 -> '1h02m', 125 -> '2m05s', 42 -> '42s'."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
