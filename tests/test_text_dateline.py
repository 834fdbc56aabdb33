from datetime import date, datetime, timezone

import pytest

from newscrawl.text.dateline import listed_day, parse_dateline, resolve_year

DATELINES = [
    # paragraph, raw, city, month, day, rest
    ("SEOUL, Feb. 5 (Yonhap) -- South Korea said", "SEOUL, Feb. 5 (Yonhap)", "SEOUL", 2, 5, "South Korea said"),
    ("SEOUL, Jan. 1 (Yonhap) -- x", "SEOUL, Jan. 1 (Yonhap)", "SEOUL", 1, 1, "x"),
    ("SEOUL, March 3 (Yonhap) -- x", "SEOUL, March 3 (Yonhap)", "SEOUL", 3, 3, "x"),
    ("SEOUL, April 19 (Yonhap) -- x", "SEOUL, April 19 (Yonhap)", "SEOUL", 4, 19, "x"),
    ("SEOUL, May 8 (Yonhap) -- x", "SEOUL, May 8 (Yonhap)", "SEOUL", 5, 8, "x"),
    ("SEOUL, June 30 (Yonhap) -- x", "SEOUL, June 30 (Yonhap)", "SEOUL", 6, 30, "x"),
    ("SEOUL, July 4 (Yonhap) -- x", "SEOUL, July 4 (Yonhap)", "SEOUL", 7, 4, "x"),
    ("SEOUL, Aug. 20 (Yonhap) -- x", "SEOUL, Aug. 20 (Yonhap)", "SEOUL", 8, 20, "x"),
    ("SEOUL, Sept. 9 (Yonhap) -- x", "SEOUL, Sept. 9 (Yonhap)", "SEOUL", 9, 9, "x"),
    ("SEOUL, Oct. 12 (Yonhap) -- x", "SEOUL, Oct. 12 (Yonhap)", "SEOUL", 10, 12, "x"),
    ("SEOUL, Nov. 27 (Yonhap) -- x", "SEOUL, Nov. 27 (Yonhap)", "SEOUL", 11, 27, "x"),
    ("SEOUL, Dec. 31 (Yonhap) -- x", "SEOUL, Dec. 31 (Yonhap)", "SEOUL", 12, 31, "x"),
    ("WASHINGTON, Feb. 4 (Yonhap) -- The U.S.", "WASHINGTON, Feb. 4 (Yonhap)", "WASHINGTON", 2, 4, "The U.S."),
    ("UNITED NATIONS, Oct. 3 (Yonhap) -- x", "UNITED NATIONS, Oct. 3 (Yonhap)", "UNITED NATIONS", 10, 3, "x"),
    ("NEW YORK, Sept. 21 (Yonhap) -- x", "NEW YORK, Sept. 21 (Yonhap)", "NEW YORK", 9, 21, "x"),
    ("ST. PETERSBURG, July 2 (Yonhap) -- x", "ST. PETERSBURG, July 2 (Yonhap)", "ST. PETERSBURG", 7, 2, "x"),
    ("BUENOS AIRES, Nov. 30 (Yonhap) -- x", "BUENOS AIRES, Nov. 30 (Yonhap)", "BUENOS AIRES", 11, 30, "x"),
    # dateless summaries
    ("SEOUL -- Summary text", "SEOUL", "SEOUL", None, None, "Summary text"),
    ("SEOUL (Yonhap) -- Summary text", "SEOUL (Yonhap)", "SEOUL", None, None, "Summary text"),
    # tolerated variants: no period, no spaces around the dashes, an em dash
    ("SEOUL, Feb 5 (Yonhap)--x", "SEOUL, Feb 5 (Yonhap)", "SEOUL", 2, 5, "x"),
    ("SEOUL, Sep. 1 (Yonhap) \u2014 x", "SEOUL, Sep. 1 (Yonhap)", "SEOUL", 9, 1, "x"),
    ("  SEOUL,  April 19  (Yonhap) --  x", "SEOUL, April 19 (Yonhap)", "SEOUL", 4, 19, "x"),
]


@pytest.mark.parametrize("paragraph, raw, city, month, day, rest", DATELINES)
def test_parse_dateline(paragraph, raw, city, month, day, rest):
    found = parse_dateline(paragraph)
    assert found is not None
    assert (found.raw, found.city, found.month, found.day, found.rest) == (raw, city, month, day, rest)


@pytest.mark.parametrize("paragraph", [
    "South Korea said Wednesday it will hold meetings.",
    "Seoul, Feb. 5 (Yonhap) -- lower-case city is not a dateline",
    "The KOSPI -- the main index -- rose.",
    "NEW RULES -- a multi-word upper-case opener without (Yonhap) or a date",
    "SEOUL, Feb. 35 (Yonhap) -- no such day",
    "SEOUL, Feb. 5 (Yonhap) missing dashes",
    "",
])
def test_not_a_dateline(paragraph):
    assert parse_dateline(paragraph) is None


KST_REF = [
    # month, day, reference, expected
    (2, 5, date(2020, 2, 5), date(2020, 2, 5)),
    (12, 31, date(2024, 1, 1), date(2023, 12, 31)),  # dated Dec. 31, published Jan. 1
    (1, 1, date(2023, 12, 31), date(2024, 1, 1)),  # filed ahead of the new year
    (4, 19, datetime(2023, 4, 19, 11, 12, 32), date(2023, 4, 19)),
    # 23:30 UTC on Dec. 31 is already Jan. 1 in Seoul
    (1, 1, datetime(2023, 12, 31, 23, 30, tzinfo=timezone.utc), date(2024, 1, 1)),
    (7, 10, date(2022, 1, 5), date(2021, 7, 10)),  # 179 days back beats 186 ahead
    (2, 29, date(2024, 3, 1), date(2024, 2, 29)),  # leap day exists only in 2024
    (2, 29, date(2023, 3, 1), date(2024, 2, 29)),
]


@pytest.mark.parametrize("month, day, reference, expected", KST_REF)
def test_resolve_year(month, day, reference, expected):
    assert resolve_year(month, day, reference) == expected


def test_resolve_year_impossible_day():
    assert resolve_year(2, 30, date(2024, 1, 1)) is None


TODAY = date(2026, 12, 1)
LISTED = [
    # (listing text, article id, publication day, listing and id disagree)
    ("15:41 Apr. 19", "AEN20230419004700315", date(2023, 4, 19), False),  # an original: both agree
    ("00:20 Apr. 20", "AEN20230419004751315", date(2023, 4, 20), False),  # a (LEAD) after midnight KST
    ("09:00 Apr. 21", "AEN20230419004752315", date(2023, 4, 21), False),  # a (2nd LD) two days on
    ("00:05 Jan. 1", "AEN20231231001151315", date(2024, 1, 1), False),  # a (LEAD) into the next year
    ("10:00 Apr. 20", "AEN20230419004700315", date(2023, 4, 20), True),  # an original listed on another day
    ("10:00 Apr. 18", "AEN20230419004751315", date(2023, 4, 19), True),  # before its story began: the id's day
    ("", "AEN20230419004700315", date(2023, 4, 19), False),  # no time: an original's id dates it
    ("", "AEN20230419004751315", None, False),  # no time, a later version: the page decides
    ("15:41 Nov. 30", None, date(2026, 11, 30), False),  # no id: the year nearest today
    ("no time here", None, None, False),
]


@pytest.mark.parametrize("text, article_id, day, mismatch", LISTED)
def test_listed_day(text, article_id, day, mismatch):
    assert listed_day(text, article_id, TODAY) == (day, mismatch)
