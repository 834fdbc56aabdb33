from datetime import date

import pytest

from newscrawl.monitoring.progress import format_duration, measure

TODAY = date(2026, 11, 28)

CASES = [
    # since, until, day reached, articles, elapsed s -> share, per minute, eta s
    (date(2026, 11, 19), None, date(2026, 11, 24), 100, 600, 0.5, 10.0, 600),
    (date(2026, 11, 19), None, TODAY, 10, 60, 0.1, 10.0, 540),
    (date(2026, 11, 19), None, date(2026, 11, 1), 300, 600, 1.0, 30.0, 0),  # past since: done
    (date(2026, 11, 19), date(2026, 11, 23), date(2026, 11, 21), 5, 60, 0.6, 5.0, 40),
    (None, None, date(2026, 11, 1), 60, 60, None, 60.0, None),  # no window: no share, no ETA
    (date(2026, 11, 19), None, None, 0, 60, None, 0.0, None),  # no listing page read yet
    (date(2026, 11, 19), None, TODAY, 0, 0, 0.1, 0.0, None),  # just started
]


@pytest.mark.parametrize("since, until, reached, articles, elapsed, share, rate, eta", CASES)
def test_measure(since, until, reached, articles, elapsed, share, rate, eta):
    progress = measure(since=since, until=until, today=TODAY, day_reached=reached, articles=articles,
                       elapsed_seconds=elapsed)
    assert progress.share_done == pytest.approx(share) if share is not None else progress.share_done is None
    assert progress.per_minute == pytest.approx(rate)
    assert progress.eta_seconds == pytest.approx(eta) if eta is not None else progress.eta_seconds is None


def test_line():
    progress = measure(since=date(2026, 11, 19), until=None, today=TODAY, day_reached=date(2026, 11, 24),
                       articles=100, elapsed_seconds=600)
    assert progress.line(date(2026, 11, 19)) == (
        "progress: day reached 2026-11-24 (since 2026-11-19), 50% done, 100 articles, 10.0/min, ETA 10m00s")


@pytest.mark.parametrize("seconds, text", [(3725, "1h02m"), (125, "2m05s"), (42, "42s"), (0, "0s")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
