from datetime import datetime, timezone

import pytest

from newscrawl.text.times import kst_iso, time_problem

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=timezone.utc)

TIMES = [
    # value, kst_iso, time_problem
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
def test_kst_iso_and_problem(value, iso, problem):
    assert kst_iso(value, NOW) == iso
    assert time_problem(value, NOW) == problem
    assert "+08:27" not in kst_iso(value, NOW)
