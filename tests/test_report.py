"""`newscrawl report`: the aggregates (tables of cases), the command, and the page in a
real browser with every network request blocked, at one day, sparse years and a year."""
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from conftest import clean_env
from newscrawl.analysis.aggregates import (age_text, build, empty_stretches, frame, gaps, period_label, period_unit,
                                           stories_in_window, window)
from newscrawl.analysis.sample import sample_records, sample_runs
from newscrawl.revisions.chains import by_story, change_rows
from newscrawl.state import StateStore

ROOT = Path(__file__).resolve().parents[1]
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
    assert report.per_day.tolist() == [1, 1, 1] and report.unit == "day"  # a story counts once, on its first day
    assert report.by_period_section["nk"].tolist() == [1, 1, 1]
    assert report.field_health.loc["2025-03-02", "byline"] == 1.0
    assert report.field_health.loc["2025-03-02", "keywords"] == 0.0
    assert report.layout_share.loc["2025-03-01"].tolist() == [1.0, 0.0, 0.0]  # 2023, 2019, meta


def test_sparse_years_count_every_day_and_leave_empty_periods_empty():
    rows = frame([record("AEN201908200001", when="2019-08-20T10:00:00+09:00"),
                  record("AEN202304190002", when="2023-04-19T09:00:00+09:00", layout="2019"),
                  record("AEN202304190003", when="2023-04-19T11:00:00+09:00")])
    report = build(rows, [], NOW)
    days = (date(2023, 4, 19) - date(2019, 8, 20)).days + 1
    assert len(report.per_day) == days and report.per_day.sum() == 3  # every day, the empty ones as 0
    assert (report.metrics["days"], report.metrics["empty_days"]) == (days, days - 2)
    assert report.empty_stretches.iloc[0].tolist() == [date(2019, 8, 21), date(2023, 4, 18), days - 2]
    assert report.unit == "month" and len(report.by_period_section) == 45  # 2019-08 .. 2023-04
    assert report.by_period_section.sum(axis=1).tolist() == [1] + [0] * 43 + [2]
    # a month without rows has no share at all (a line breaks there), a month with rows has one per layout
    assert report.field_health["byline"].isna().sum() == 43
    assert report.layout_share.loc["2023-04"].tolist() == [0.5, 0.5, 0.0]
    assert report.layout_share.loc["2021-01"].isna().all()
    # --since/--until widen the period past the first and last rows
    wider = build(rows, [], NOW, since=date(2019, 8, 1), until=date(2030, 1, 1))
    assert wider.per_day.index[0] == date(2019, 8, 1) and wider.per_day.index[-1] == NOW.date()  # never past today


@pytest.mark.parametrize("days, unit", [(1, "day"), (92, "day"), (93, "week"), (731, "week"), (732, "month"),
                                        (2557, "month")])
def test_period_unit(days, unit):
    assert period_unit(days) == unit


@pytest.mark.parametrize("day, unit, label", [
    (date(2025, 1, 2), "day", "2025-01-02"),
    (date(2025, 1, 2), "week", "2024-12-30"),  # the Monday the week starts on
    (date(2025, 1, 6), "week", "2025-01-06"),
    (date(2025, 1, 31), "month", "2025-01"),
])
def test_period_label(day, unit, label):
    assert period_label(day, unit) == label


@pytest.mark.parametrize("hours, text", [
    (0.0, "0 minutes"), (0.25, "15 minutes"), (1.0, "1.0 hours"), (5.24, "5.2 hours"), (47.9, "47.9 hours"),
    (48.0, "2 days"), (31729.6, "1,322 days"),
])
def test_age_text(hours, text):
    assert age_text(hours) == text


@pytest.mark.parametrize("counts, stretches", [
    ([5, 5, 5], []),
    ([0], [(0, 0, 1)]),
    ([3, 0, 0, 4, 0, 2], [(1, 2, 2), (4, 4, 1)]),
    ([0, 0, 1, 0, 0], [(0, 1, 2), (3, 4, 2)]),  # equals: the earlier first
])
def test_empty_stretches(counts, stretches):
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(len(counts))]
    found = empty_stretches(pd.Series(counts, index=days))
    assert [(days.index(a), days.index(b), n) for a, b, n in found.itertuples(index=False)] == stretches


@pytest.mark.parametrize("maximum, dtick, top", [(0, 1, 1.08), (1, 1, 1.08), (10, 1, 10.8), (11, None, None),
                                                 (15000, None, None)])
def test_count_axes_tick_at_integers(maximum, dtick, top):
    from newscrawl.analysis.page import count_axis

    axis = count_axis("stories", maximum)
    assert axis["tickformat"] == ",d" and axis.get("dtick") == dtick
    assert (axis["range"][1] if "range" in axis else None) == (pytest.approx(top) if top else None)


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
    assert len(report.runs) == 10
    assert report.metrics["last_crawl"] == f'{datetime.fromisoformat(runs[5]["finished_at"]):%Y-%m-%d %H:%M}'  # UTC
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
    large = build(frame(sample_records(30_000, date(2025, 1, 1), 30)), [], NOW)
    from newscrawl.analysis.page import render
    sizes = [len(render(report, "t", "s", NOW)) for report in (small, large)]
    assert sizes[1] < sizes[0] * 1.02


@pytest.fixture(scope="module")
def store_with_a_year(tmp_path_factory):
    """A synthetic year in a store, and its runs' reports: one a day, the redesign week's
    failing, and one failed run that exported nothing."""
    workdir = tmp_path_factory.mktemp("report")
    records = sample_records(60_000, date(2025, 1, 1), 365, seed=3)
    with StateStore(workdir / "state.sqlite3") as store:
        store.record(records, store.begin_run())
    runs = sample_runs(date(2025, 1, 1), 365)
    runs[300].update(items_exported=0, healthy=False, failed_checks=["items"])
    for run in runs:
        path = workdir / "feeds" / f"yonhap-{run['job']}.report.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(run))
    return workdir, records


CHART_STATE = """els => els.map(e => ({
    id: e.id,
    svgs: e.querySelectorAll('.main-svg').length,
    marks: e.querySelectorAll('.point, .bars path, .scatterlayer path, .hm image').length,
    xticks: [...e.querySelectorAll('.xtick text')].map(t => t.textContent),
    yticks: [...e.querySelectorAll('.ytick text')].map(t => t.textContent),
    data: e.data.map(trace => ({type: trace.type, name: trace.name, x: trace.x, y: trace.y, z: trace.z,
                                connectgaps: trace.connectgaps}))}))"""


def open_in_chromium(path, screenshot=None):
    """Load a page with every non-file request blocked: console errors, blocked requests,
    the headline numbers, and each chart's drawn marks, tick labels and plotted data."""
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
        charts = {chart["id"]: chart for chart in page.eval_on_selector_all(".js-plotly-plot", CHART_STATE)}
        empty = page.query_selector("#empty") is not None
        if screenshot:
            page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    return errors, blocked, metrics, charts, empty


COUNT_AXES = {"coverage_sections": "yticks", "versions": "yticks", "revision_time": "yticks", "runs": "yticks",
              "changes_by_action": "yticks",
              "keywords": "xticks", "sections": "xticks"}


def assert_charts_read_well(charts: dict, per_day_counts: list[int]):
    """What every report is held to, whatever its span."""
    for name, chart in charts.items():
        assert chart["svgs"] >= 1 and chart["marks"] > 0, name  # every chart drew something
        for tick in chart["xticks"] + chart["yticks"]:
            assert not re.search(r"\d:\d\d\.\d", tick), (name, tick)  # no sub-second time ticks
            assert not re.search(r":\d\d:\d\d", tick), (name, tick)  # nor seconds
    for name, axis in COUNT_AXES.items():
        if name in charts:
            ticks = [tick.replace(",", "").replace("\u2212", "-") for tick in charts[name][axis]]
            assert ticks and all(re.fullmatch(r"\d+", tick) for tick in ticks), (name, ticks)  # integer counts
            assert len(set(ticks)) == len(ticks), (name, ticks)  # no count twice (0.5 steps shown as integers)
    # The calendar draws every day of the period, an empty day as 0 (not left out).
    drawn = [cell for row in charts["coverage"]["data"][0]["z"] for cell in row if cell is not None]
    assert sorted(drawn) == sorted(per_day_counts)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is installed by .ci/run")
def test_the_report_renders_offline_in_a_real_browser(store_with_a_year, tmp_path):
    workdir, records = store_with_a_year
    result = newscrawl("report", "--state", workdir / "state.sqlite3", "--data-dir", workdir, "-o", "year.html",
                       cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert ", 365 runs -> year.html" in result.stderr
    errors, blocked, metrics, charts, empty = open_in_chromium(workdir / "year.html", tmp_path / "year.png")
    assert errors == [] and blocked == [] and not empty
    with sqlite3.connect(workdir / "state.sqlite3") as db:
        stories, versions = db.execute("SELECT count(DISTINCT story_id), count(*) FROM articles").fetchone()
    assert (int(metrics["stories"]), int(metrics["versions"])) == (stories, versions) == \
           (len({r["story_id"] for r in records}), len(records))
    days = sorted(r["published_at"][:10] for r in records)  # the sample's times are all +09:00
    assert (metrics["first_day"], metrics["last_day"]) == (days[0], days[-1])
    assert {"coverage", "coverage_sections", "versions", "revision_time", "changes_by_action", "field_health",
            "layouts", "runs", "keywords", "sections"} <= set(charts)
    # What changed: every change between consecutive versions, by the note's actions.
    changes = list(change_rows(sorted(records, key=lambda r: (r["story_id"], r["revision"]))))
    assert int(metrics["changes"].replace(",", "")) == len(changes) > 5000
    checkable = [c["note_agrees"] for c in changes if c["note_agrees"] is not None]
    assert metrics["note_agree_share"] == f"{sum(checkable) / len(checkable):.0%}"
    by_action = {trace["name"]: sum(trace["y"]) for trace in charts["changes_by_action"]["data"]}
    assert by_action["RECASTS"] == sum("RECASTS" in c["note_actions"] for c in changes) > 1000
    assert by_action["(no note)"] == sum(not c["note"] for c in changes) > 0
    first_days = pd.Series({r["story_id"]: r["published_at"][:10] for r in reversed(records)}).value_counts()
    span = pd.date_range(days[0], days[-1]).strftime("%Y-%m-%d")
    assert_charts_read_well(charts, first_days.reindex(span, fill_value=0).tolist())
    assert metrics["empty_days"].startswith("3 days of 366")  # the sample's two-day gap, and a last day of revisions
    # A run that failed exporting nothing is a red marker at zero, not an invisible bar.
    runs = charts["runs"]["data"][0]
    assert len(runs["x"]) == 200 and 0 in runs["y"]  # the last 200 of 365 charted
    assert sum(1 for tick in charts["coverage_sections"]["xticks"] if tick) >= 10  # weeks, labelled


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is installed by .ci/run")
def test_one_day_from_a_parquet_export_renders(tmp_path):
    one_day = [r for r in sample_records(2000, date(2025, 1, 1), 10, seed=5) if r["published_at"][:10] == "2025-01-02"]
    with StateStore(tmp_path / "s.sqlite3") as store:
        store.record(one_day)
    assert newscrawl("export", "--state", tmp_path / "s.sqlite3", "-o", "day.parquet", cwd=tmp_path).returncode == 0
    run = sample_runs(date(2025, 1, 2), 1)[0]
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "yonhap-one.report.json").write_text(json.dumps(run))
    result = newscrawl("report", "day.parquet", "-o", "day.html", "--data-dir", tmp_path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert ", 1 run -> day.html" in result.stderr
    errors, blocked, metrics, charts, empty = open_in_chromium(tmp_path / "day.html", tmp_path / "day.png")
    assert errors == [] and not empty and metrics["versions"] == str(len(one_day))
    assert metrics["first_day"] == metrics["last_day"] == "2025-01-02"
    assert {"coverage", "coverage_sections", "layouts", "field_health", "runs"} <= set(charts)
    assert_charts_read_well(charts, [len({r["story_id"] for r in one_day})])
    # One bar per chart over time, for the one day; the run's time axis ticks in hours.
    assert charts["coverage_sections"]["data"][0]["x"] == ["2025-01-02"] and charts["layouts"]["marks"] >= 1
    assert any(re.fullmatch(r"\d\d:00", tick.split()[0]) for tick in charts["runs"]["xticks"] if tick)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is installed by .ci/run")
def test_sparse_years_of_real_pages_render(tmp_path):
    """The real pages' stories, 2019 and 2023: 1,339 days, two of them with stories."""
    records = [json.loads(path.read_text()) for path in sorted((ROOT / "tests" / "fixtures" / "expected").glob("*.json"))]
    with StateStore(tmp_path / "s.sqlite3") as store:
        store.record(records)
    result = newscrawl("report", "--state", tmp_path / "s.sqlite3", "-o", "sparse.html", "--data-dir", tmp_path,
                       cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    errors, blocked, metrics, charts, empty = open_in_chromium(tmp_path / "sparse.html", tmp_path / "sparse.png")
    assert errors == [] and not empty
    first, last = date.fromisoformat(metrics["first_day"]), date.fromisoformat(metrics["last_day"])
    days = (last - first).days + 1
    per_day = pd.Series([r["published_at"][:10] for r in records]).value_counts()
    assert_charts_read_well(charts, per_day.reindex(pd.date_range(first, last).strftime("%Y-%m-%d"),
                                                    fill_value=0).tolist())
    assert metrics["empty_days"].startswith(f"{days - len(per_day):,} days of {days:,} have no story")
    assert metrics["newest_age"].endswith(" days")  # not tens of thousands of hours
    # Field health breaks over the empty months instead of drawing straight lines through them.
    for trace in charts["field_health"]["data"]:
        assert trace["connectgaps"] is False and trace["y"].count(None) == len(trace["y"]) - len(
            {when[:7] for when in per_day.index})


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is installed by .ci/run")
def test_an_empty_period_gives_a_page_that_says_so(store_with_a_year):
    workdir, _ = store_with_a_year
    result = newscrawl("report", "--state", workdir / "state.sqlite3", "--since", "2030-01-01", "-o", "none.html",
                       cwd=workdir)
    assert result.returncode == 0 and "nothing to chart" in result.stderr
    errors, blocked, metrics, charts, empty = open_in_chromium(workdir / "none.html")
    assert errors == [] and empty and charts == {} and metrics["stories"] == "0" and metrics["first_day"] == "–"


def _version(article_id, published_at):
    return {"article_id": article_id, "published_at": published_at}


@pytest.mark.parametrize("since, until, kept", [
    (None, None, ["A00", "A51", "B00", "B51", "C00"]),
    (date(2025, 1, 2), None, ["A00", "A51", "B00", "B51", "C00"]),  # A's 51 on the 2nd (KST): A is in
    (date(2025, 1, 3), None, ["B00", "B51", "C00"]),
    (None, date(2025, 1, 1), ["A00", "A51", "C00"]),  # B begins on the 2nd
    (date(2030, 1, 1), None, ["C00"]),  # a time that cannot be read keeps its story
])
def test_the_reports_diffs_are_of_the_stories_published_in_its_period(since, until, kept):
    records = [_version("AEN20250101000100315", "2025-01-01T09:00:00+09:00"),
               _version("AEN20250101000151315", "2025-01-01T15:30:00Z"),  # 00:30 KST on the 2nd
               _version("AEN20250102000200315", "2025-01-02T08:00:00+09:00"),
               _version("AEN20250102000251315", "2025-01-03T08:00:00+09:00"),
               _version("AEN20250105000300315", "the fifth")]
    names = {"AEN20250101000100315": "A00", "AEN20250101000151315": "A51", "AEN20250102000200315": "B00",
             "AEN20250102000251315": "B51", "AEN20250105000300315": "C00"}
    assert [names[r["article_id"]] for r in stories_in_window(records, since, until)] == kept


def test_a_report_for_a_period_counts_the_changes_made_in_it(store_with_a_year):
    workdir, records = store_with_a_year
    result = newscrawl("report", "--state", workdir / "state.sqlite3", "--since", "2025-03-01", "--until",
                       "2025-03-31", "-o", "march.html", cwd=workdir)
    assert result.returncode == 0, result.stderr
    html = (workdir / "march.html").read_text(encoding="utf-8")
    march = [c for c in change_rows(by_story(records)) if "2025-03-01" <= c["published_at"][:10] <= "2025-03-31"]
    assert len(march) > 100
    assert re.search(rf'data-metric="changes"[^>]*>{len(march):,}<', html)
