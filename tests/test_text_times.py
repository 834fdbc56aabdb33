from datetime import datetime, timezone

import pytest

from dateutil.parser import isoparse

from newscrawl.text.times import parse_iso, read_time

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=timezone.utc)

TIMES = [
    # value, in KST, why not taken
    ("2023-04-19T09:10:00+09:00", "2023-04-19T09:10:00+09:00", None),
    ("2023-04-19T00:10:00Z", "2023-04-19T09:10:00+09:00", None),
    ("2023-04-19T09:10:00", "2023-04-19T09:10:00+09:00", None),  # naive: KST
    ("1987-07-01T12:00:00+09:00", "1987-07-01T13:00:00+10:00", None),  # Korea kept DST in 1987
    ("2026-11-29T10:00:00+09:00", "2026-11-29T10:00:00+09:00", None),  # within a day ahead
    ("9999-12-31T23:59:59-05:00", "", "implausible"),  # overflows on conversion
    ("9999-12-31T23:59:59+09:00", "", "implausible"),
    ("0001-01-01T00:00:00+09:00", "", "implausible"),  # would be year 0 in LMT
    ("1900-01-01T00:00:00+09:00", "", "implausible"),  # would be +08:27:52
    ("1979-12-31T23:59:59+00:00", "", "implausible"),
    ("2026-12-01T00:00:00+09:00", "", "implausible"),  # days ahead
    ("not a time", "", "unparseable"),
    ("", "", None),
    (None, "", None),
]


@pytest.mark.parametrize("value, iso, problem", TIMES)
def test_read_time(value, iso, problem):
    assert read_time(value, NOW) == (iso, problem)  # never the LMT offset +08:27:52


@pytest.mark.parametrize("value", [
    "2023-04-19T14:00:04+09:00", "2023-04-19T05:00:04+00:00", "2023-04-19T05:00:04-00:00", "2023-04-19T14:00:04-05:30",
    "2023-04-19T24:00:00+09:00",  # midnight at the day's end: dateutil's, not fromisoformat's
    "2023-02-29T10:00:00+09:00", "2023-04-19T14:00:60+09:00", "2023-04-19T14:00:04+24:00", "2023-04-19T14:00:04+09:60",
    "2023-04-19T14:00:04+23:59", "2023-04-19T14:00:04+19:00",
    "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+09:00", "2023-04-19T14:00:04.5+09:00", "20230419T140004+0900",
])
def test_the_fast_parse_reads_every_time_as_dateutil_does(value):
    def read(parse):
        try:
            moment = parse(value)
        except (ValueError, OverflowError) as error:
            return type(error)
        return moment.replace(tzinfo=None), moment.utcoffset()

    assert read(parse_iso) == read(isoparse)
