"""`newscrawl report`: the aggregates (tables of cases), the command, and the page in a
real browser with every network request blocked."""
import shutil
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest

from conftest import clean_env
from newscrawl.analysis.aggregates import build, frame, gaps, window
from newscrawl.analysis.sample import sample_records, sample_runs
from newscrawl.state import StateStore

NOW = datetime(2026, 1, 2, 12, tzinfo=timezone(timedelta(hours=9)))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def record(story, revision=0, when="2025-03-01T10:00:00+09:00", **extra):
    return {"article_id": f"{story}{0 if revision == 0 else 50 + revision:02d}315", "story_id": story,
            "revision": revision, "section": "nk", "published_at": when, "dateline_date": when[:10],
            "byline": "", "keywords": ["a"], "photos": [], "layout": "2023", **extra}


def test_metrics_and_revisions_from_a_few_rows():
    rows = frame([record("AEN202503010001"), record("AEN202503010001", 1, "2025-03-01T13:30:00+09:00"),
                  record("AEN202503020002", when="2025-03-02T23:59:00+09:00", byline="Kim", keywords=[]),
                  record("AEN202503020003", when="2025-03-02T15:00:00Z")])  # 3 March in Seoul
    report = build(rows, [], NOW)
    assert {k: report.metrics[k] for k in ("stories", "versions", "first_day", "last_day")} == \
           {"stories": 3, "versions": 4, "first_day": "2025-03-01", "last_day": "2025-03-03"}
    assert report.metrics["revised_share"] == pytest.approx(1 / 3, abs=1e-4)
    assert report.versions_per_story.to_dict() == {1: 2, 2: 1}
    assert report.hours_to_last_version["3-6 h"] == 1 and report.hours_to_last_version.sum() == 1
    assert report.daily_by_section["nk"].tolist() == [1, 1, 1]  # a story counts once, on its first day
    assert report.field_health.loc[date(2025, 3, 2), "byline"] == 1.0
    assert report.field_health.loc[date(2025, 3, 2), "keywords"] == 0.0
    assert report.layout_share.loc[date(2025, 3, 1), "2023"] == 1.0


@pytest.mark.parametrize("counts, flagged", [
    ([200] * 20, []),
    ([200] * 8 + [0, 30] + [200] * 10, [8, 9]),  # a missed day and a thin one
    ([3, 0, 4, 2, 0, 3] * 3, []),  # too few stories a day to call anything a gap
    ([200] * 5 + [150] + [200] * 5, []),  # a quiet day is not a gap
])
def test_gaps(counts, flagged):
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(len(counts))]
    found = gaps(pd.Series(counts, index=days))
    assert [days.index(day) for day in found["day"]] == flagged


def test_window_and_empty_data():
    rows = frame([record("AEN202503010001"), record("AEN202503050002", when="2025-03-05T10:00:00+09:00")])
    assert len(window(rows, date(2025, 3, 2), None)) == 1 and len(window(rows, None, date(2025, 3, 1))) == 1
    empty = build(window(rows, date(2026, 1, 1), None), [], NOW)
    assert empty.empty and empty.metrics["stories"] == 0 and empty.metrics["first_day"] == ""


def test_runs_and_the_last_healthy_crawl():
    runs = sample_runs(date(2025, 1, 1), 10)  # the last four fail a check (the sample's redesign)
    assert [run["healthy"] for run in runs] == [True] * 6 + [False] * 4
    report = build(frame([record("AEN202503010001")]), runs, NOW)
    assert len(report.runs) == 10 and report.metrics["last_crawl"] == runs[5]["finished_at"]
    assert report.runs["failed_checks"].iloc[-1] == "unknown_layout, coverage/keywords"


def newscrawl(*args, cwd):
    return subprocess.run([sys.executable, "-m", "newscrawl", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, env=clean_env(), timeout=300)


def test_report_errors_are_one_line(tmp_path):
    missing = newscrawl("report", "--state", tmp_path / "none.sqlite3", "-o", "r.html", cwd=tmp_path)
    assert missing.returncode == 1 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    (tmp_path / "bad.csv").write_bytes(b"\xff\xfe not utf-8")
    unreadable = newscrawl("report", tmp_path / "bad.csv", "-o", "r.html", cwd=tmp_path)
    assert unreadable.returncode == 1 and "Traceback" not in unreadable.stderr
    backwards = newscrawl("report", "--since", "2025-02-01", "--until", "2025-01-01", cwd=tmp_path)
    assert backwards.returncode == 2 and "is before" in backwards.stderr
    assert not (tmp_path / "r.html").exists()


def test_page_size_does_not_grow_with_the_rows():
    small = build(frame(sample_records(1000, date(2025, 1, 1), 30)), [], NOW)
    large = build(frame(sample_records(100_000, date(2025, 1, 1), 30)), [], NOW)
    from newscrawl.analysis.page import render
    sizes = [len(render(report, "t", "s", NOW)) for report in (small, large)]
    assert sizes[1] < sizes[0] * 1.02


@pytest.fixture(scope="module")
def store_with_a_year(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("report")
    records = sample_records(20_000, date(2025, 1, 1), 120, seed=3)
    with StateStore(workdir / "state.sqlite3") as store:
        store.record(records, store.begin_run())
    return workdir, records


def open_in_chromium(path, screenshot=None):
    """Load a page with every non-file request blocked: console errors, blocked requests,
    and what the page shows."""
    from playwright.sync_api import sync_playwright

    errors, blocked = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))

        def only_files(route):
            if route.request.url.startswith("file:"):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        page.route("**/*", only_files)
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        metrics = page.eval_on_selector_all("[data-metric]", "els => Object.fromEntries(els.map(e => "
                                            "[e.dataset.metric, e.textContent]))")
        charts = page.eval_on_selector_all(".js-plotly-plot", "els => els.map(e => [e.id, "
                                           "e.querySelectorAll('.main-svg').length, "
                                           "e.querySelectorAll('.point, .bars path, .scatterlayer path').length])")
        empty = page.query_selector("#empty") is not None
        if screenshot:
            page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    return errors, blocked, metrics, charts, empty


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is installed by .ci/run")
def test_the_report_renders_offline_in_a_real_browser(store_with_a_year):
    workdir, records = store_with_a_year
    result = newscrawl("report", "--state", workdir / "state.sqlite3", "--data-dir", workdir, "-o", "year.html",
                       cwd=workdir)
    assert result.returncode == 0, result.stderr
    errors, blocked, metrics, charts, empty = open_in_chromium(workdir / "year.html")
    assert errors == [] and blocked == [] and not empty
    with sqlite3.connect(workdir / "state.sqlite3") as db:
        stories, versions = db.execute("SELECT count(DISTINCT story_id), count(*) FROM articles").fetchone()
    assert (int(metrics["stories"]), int(metrics["versions"])) == (stories, versions) == \
           (len({r["story_id"] for r in records}), len(records))
    days = sorted(r["published_at"][:10] for r in records)  # the sample's times are all +09:00
    assert (metrics["first_day"], metrics["last_day"]) == (days[0], days[-1])
    names = {name for name, _, _ in charts}
    assert {"coverage", "versions", "revision_time", "field_health", "layouts", "keywords", "sections"} <= names
    for name, svgs, marks in charts:
        assert svgs >= 1 and marks > 0, (name, svgs, marks)  # every chart drew something


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is installed by .ci/run")
def test_one_day_from_a_parquet_export_renders(tmp_path):
    one_day = [r for r in sample_records(2000, date(2025, 1, 1), 10, seed=5) if r["published_at"][:10] == "2025-01-02"]
    with StateStore(tmp_path / "s.sqlite3") as store:
        store.record(one_day)
    assert newscrawl("export", "--state", tmp_path / "s.sqlite3", "-o", "day.parquet", cwd=tmp_path).returncode == 0
    result = newscrawl("report", "day.parquet", "-o", "day.html", "--data-dir", tmp_path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    errors, blocked, metrics, charts, empty = open_in_chromium(tmp_path / "day.html")
    assert errors == [] and not empty and metrics["versions"] == str(len(one_day))
    assert metrics["first_day"] == metrics["last_day"] == "2025-01-02"
    assert all(svgs >= 1 and marks > 0 for _, svgs, marks in charts), charts


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is installed by .ci/run")
def test_an_empty_period_gives_a_page_that_says_so(store_with_a_year):
    workdir, _ = store_with_a_year
    result = newscrawl("report", "--state", workdir / "state.sqlite3", "--since", "2030-01-01", "-o", "none.html",
                       cwd=workdir)
    assert result.returncode == 0 and "nothing to chart" in result.stderr
    errors, blocked, metrics, charts, empty = open_in_chromium(workdir / "none.html")
    assert errors == [] and empty and charts == [] and metrics["stories"] == "0" and metrics["first_day"] == "–"
