"""Datelines: "SEOUL, Feb. 5 (Yonhap) -- " and the dateless "SEOUL -- ".

Yonhap follows AP style: Jan., Feb., Aug., Sept., Oct., Nov., Dec. abbreviated;
March, April, May, June, July written out. The dateline carries no year; it is
resolved against a reference time (the publish time) by `resolve_year`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from newscrawl.ids import parse_article_id

KST = ZoneInfo("Asia/Seoul")

# AP forms first; the other spellings are tolerated because dumps and older pages vary.
_MONTHS = {
    "jan": 1, "january": 1,
    "feb": 2, "february": 2,
    "mar": 3, "march": 3,
    "apr": 4, "april": 4,
    "may": 5,
    "jun": 6, "june": 6,
    "jul": 7, "july": 7,
    "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10,
    "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}
_MONTH_PATTERN = "|".join(sorted(_MONTHS, key=len, reverse=True))

# The city: upper-case words ("SEOUL", "UNITED NATIONS", "ST. PETERSBURG",
# "BUENOS AIRES", "GANGNEUNG-SI"), at most 40 characters.
_CITY = r"[A-Z][A-Z.'\-]*(?:\s[A-Z][A-Z.'\-]*){0,4}"
_DASHES = r"(?:--|\u2014|\u2013)"
_DATELINE = re.compile(
    rf"^\s*(?P<city>{_CITY})"
    rf"(?:\s*,\s*(?P<month>{_MONTH_PATTERN})\.?\s+(?P<day>\d{{1,2}}))?"
    rf"\s*(?P<agency>\(Yonhap\))?\s*{_DASHES}\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Dateline:
    raw: str  # as printed, without the dashes: "SEOUL, Feb. 5 (Yonhap)" or "SEOUL"
    city: str  # "SEOUL"
    month: int | None  # None for the dateless "SEOUL --" form
    day: int | None
    rest: str  # the paragraph text after the dateline


def parse_dateline(paragraph: str) -> Dateline | None:
    """Recognise a dateline at the start of a paragraph, or return None."""
    match = _DATELINE.match(paragraph)
    if not match:
        return None
    city = " ".join(match.group("city").split())
    # The case-insensitive match lets "Feb." through; the city itself must be
    # upper case, so "Officials said -- " is not a dateline.
    if city != city.upper() or len(city) > 40 or not any(c.isalpha() for c in city):
        return None
    month_name = match.group("month")
    if month_name is None and match.group("agency") is None and " " in city:
        # "NEW YORK --" is fine, but a dateless multi-word form without (Yonhap)
        # is too weak a signal: upper-case acronyms open ordinary sentences.
        return None
    month = _MONTHS[month_name.lower()] if month_name else None
    day = int(match.group("day")) if match.group("day") else None
    if day is not None and not 1 <= day <= 31:
        return None
    raw = paragraph[match.start("city"):match.end()].rstrip()
    raw = re.sub(rf"\s*{_DASHES}$", "", raw).strip()
    return Dateline(raw=" ".join(raw.split()), city=city, month=month, day=day, rest=paragraph[match.end():])


_MONTH_DAY = re.compile(rf"(?P<month>{_MONTH_PATTERN})\.?\s+(?P<day>\d{{1,2}})\b", re.IGNORECASE)


def parse_month_day(text: str) -> tuple[int, int] | None:
    """The first "Apr. 19" / "April 19" in a text as (month, day), else None."""
    match = _MONTH_DAY.search(text)
    if not match or not 1 <= int(match.group("day")) <= 31:
        return None
    return _MONTHS[match.group("month").lower()], int(match.group("day"))


def _as_kst_date(reference: date | datetime) -> date:
    if isinstance(reference, datetime):
        if reference.tzinfo is None:
            return reference.date()  # naive times are taken as KST already
        return reference.astimezone(KST).date()
    return reference


def resolve_year(month: int, day: int, reference: date | datetime) -> date | None:
    """The date (month, day) in the year that puts it nearest the reference.

    A "Dec. 31" story published on Jan. 1 belongs to the previous year; a
    "Jan. 1" story with a Dec. 31 reference to the next. Returns None when the
    day does not exist in any candidate year (e.g. "Feb. 30").
    """
    ref = _as_kst_date(reference)
    candidates = []
    for year in (ref.year - 1, ref.year, ref.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return None
    return min(candidates, key=lambda d: abs((d - ref).days))


def listed_day(text: str | None, article_id: str | None, today: date | datetime) -> tuple[date | None, bool]:
    """A listed article's publication day (KST) and whether its listing time and its id
    disagree: the listing's own "15:41 Apr. 19", in the year the id's digits put nearest
    (else today's). The id carries its story's first day, so a later version ((LEAD),
    (2nd LD)) may be published days after it: the id alone dates only an original
    (version 00). A listing time before the id's day cannot be: the id's day then. With
    neither, None (the page's own time decides once it is fetched)."""
    month_day = parse_month_day(text or "")
    parsed = parse_article_id(article_id)
    first_day = parsed.day if parsed else None
    listed = resolve_year(*month_day, first_day or today) if month_day else None
    if listed is not None and (first_day is None or listed >= first_day):
        return listed, first_day is not None and parsed.version == 0 and listed != first_day
    if listed is not None:
        return first_day, True
    return (first_day if parsed is not None and parsed.version == 0 else None), False
