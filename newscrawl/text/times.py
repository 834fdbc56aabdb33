"""Publish and modify times: parsed, checked for plausibility, given in KST; and the
clock's UTC time as newscrawl writes it (no Scrapy import).

A time the site could not have meant is treated as missing, never as a crash: a year
9999 with a negative offset overflows on conversion, and Asia/Seoul's zone rules give
times before 1908 the local mean time offset +08:27:52. Yonhap's English service
started in the 1980s, and nothing is published more than a day ahead of now.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from dateutil.parser import isoparse

from newscrawl.text.dateline import KST

EARLIEST = datetime(1980, 1, 1, tzinfo=timezone.utc)
MAX_AHEAD = timedelta(days=1)
# The site's own form, "2023-04-19T14:00:04+09:00": read by Python's C parser, which
# gives the same instant as dateutil's (a tenth of a millisecond a page's times here).
_SITE_FORM = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-](?:[01]\d|2[0-3]):[0-5]\d")  # +09:60 is no offset


def parse_iso(value: str) -> datetime:
    """An ISO 8601 time as dateutil's isoparse reads it (raising ValueError or
    OverflowError as it does): the site's own form by datetime.fromisoformat, any
    other form, or a value fromisoformat refuses ("24:00:00"), by isoparse."""
    if _SITE_FORM.fullmatch(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    return isoparse(value)


def plausible(moment: datetime, now: datetime | None = None) -> bool:
    """True for an aware time from 1980 up to a day after `now` (default: the clock)."""
    now = now or datetime.now(timezone.utc)
    try:
        return EARLIEST <= moment <= now + MAX_AHEAD
    except OverflowError:
        return False


def as_kst(moment: datetime, now: datetime | None = None) -> datetime | None:
    """An aware (or naive = KST) time in KST, or None when it is implausible."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=KST)
    try:
        if not plausible(moment, now):
            return None
        return moment.astimezone(KST)
    except (OverflowError, ValueError):
        return None


def read_time(value: str | None, now: datetime | None = None) -> tuple[str, str | None]:
    """A time value read once: (ISO 8601 in KST (+09:00), naive times being KST, or ""
    when it is missing, unparseable or implausible; why a present value was not taken:
    "unparseable", "implausible", or None)."""
    if not value or not value.strip():
        return "", None
    try:
        parsed = parse_iso(value.strip())
    except (ValueError, OverflowError):
        return "", "unparseable"
    moment = as_kst(parsed, now)
    return (moment.isoformat(), None) if moment else ("", "implausible")


def utc_now(seconds_ahead: float = 0) -> str:
    """UTC time as ISO 8601 to the second, now or ahead (crawled_at, the state store's
    times: these compare as text)."""
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds_ahead)).isoformat(timespec="seconds")
