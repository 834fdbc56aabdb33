"""What the analysts' report says, computed from the rows (pandas; no Scrapy import).

Every figure the page shows comes from here, aggregated: the page embeds these
aggregates, never the rows, so its size depends on the number of days, sections,
keywords and runs, not on the number of articles.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Iterable, Iterator
from zoneinfo import ZoneInfo

import pandas as pd

KST = "Asia/Seoul"
HEALTH_FIELDS = ("byline", "dateline_date", "keywords", "photos")
LAYOUTS = ("2023", "2019", "meta")
TOP = 20  # keywords and sections listed
# A day is a possible crawl gap when it has fewer than this share of the usual count
# (the median of the days around it), and the usual count is at least GAP_MIN_USUAL.
GAP_SHARE = 0.3
GAP_MIN_USUAL = 5
GAP_WINDOW_DAYS = 15


# The time unit of the charts over time, by the period's length in days: a chart has at
# most about a hundred bars or points, whether it spans one day or seven years.
DAY_BINS_UP_TO = 92
WEEK_BINS_UP_TO = 731
EMPTY_STRETCHES = 10  # the longest runs of days without a story, listed
RUNS_SHOWN = 200  # the most recent runs charted


@dataclass
class Report:
    metrics: dict[str, object]  # the headline numbers (data-metric names)
    per_day: pd.Series = field(default_factory=pd.Series)  # every day of the period -> stories (0 kept)
    unit: str = "day"  # the charts' time unit: day, week or month (period_unit)
    by_period_section: pd.DataFrame = field(default_factory=pd.DataFrame)  # period x section -> stories
    gaps: pd.DataFrame = field(default_factory=pd.DataFrame)  # day, stories, usual
    empty_stretches: pd.DataFrame = field(default_factory=pd.DataFrame)  # first, last, days
    versions_per_story: pd.Series = field(default_factory=pd.Series)  # versions -> stories
    hours_to_last_version: pd.Series = field(default_factory=pd.Series)  # bucket -> stories
    field_health: pd.DataFrame = field(default_factory=pd.DataFrame)  # period x field -> share (NaN: no rows)
    layout_share: pd.DataFrame = field(default_factory=pd.DataFrame)  # period x layout -> share (NaN: no rows)
    top_keywords: pd.Series = field(default_factory=pd.Series)
    top_sections: pd.Series = field(default_factory=pd.Series)
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per crawl run
    changes: "ChangeSummary | None" = None  # what the revisions of the period changed

    @property
    def empty(self) -> bool:
        return not self.metrics.get("versions")


def period_unit(days: int) -> str:
    """The charts' time unit for a period of `days` days."""
    return "day" if days <= DAY_BINS_UP_TO else "week" if days <= WEEK_BINS_UP_TO else "month"


def period_label(day: date, unit: str) -> str:
    """The label of the day's period: the day, the Monday its week starts on, or its month."""
    if unit == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    return f"{day:%Y-%m}" if unit == "month" else day.isoformat()


def age_text(hours: float) -> str:
    """An age as a reader takes it in: minutes, hours up to two days, then days."""
    if hours < 1:
        return f"{max(0, round(hours * 60))} minutes"
    if hours < 48:
        return f"{hours:.1f} hours"
    return f"{hours / 24:,.0f} days"


def _minute_utc(stamp: str) -> str:
    """An ISO time as a reader takes it in: `2026-12-01 12:25` (UTC)."""
    parsed = pd.to_datetime(stamp, utc=True, errors="coerce", format="ISO8601")
    return str(stamp) if parsed is pd.NaT else f"{parsed:%Y-%m-%d %H:%M}"


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def frame(records) -> pd.DataFrame:
    """The rows the report needs, from exported records (dicts), times as KST."""
    columns = ["story_id", "revision", "section", "published_at", "dateline_date", "byline", "keywords", "photos",
               "layout"]
    # Only what the report uses; the fields whose presence is all it counts, as flags.
    flags = {"byline", "dateline_date", "photos"}
    rows = pd.DataFrame.from_records(
        ([_has(r.get(k)) if k in flags else r.get(k) for k in columns] for r in records), columns=columns)
    rows["published_at"] = pd.to_datetime(rows["published_at"], utc=True, errors="coerce", format="ISO8601").dt.tz_convert(KST)
    rows = rows.dropna(subset=["published_at"])
    rows["day"] = rows["published_at"].dt.date
    rows["revision"] = pd.to_numeric(rows["revision"], errors="coerce").fillna(0).astype(int)
    rows["section"] = rows["section"].fillna("").replace("", "(none)")
    return rows


def _has(value) -> bool:
    """A field has a value: text not empty, a list (or Parquet's array) not empty."""
    if value is None or isinstance(value, float):  # None, or NaN from a typed column
        return False
    return len(value) > 0 if hasattr(value, "__len__") else bool(value)


def window(rows: pd.DataFrame, since: date | None, until: date | None) -> pd.DataFrame:
    """The rows published from `since` to `until` (KST days, inclusive)."""
    keep = pd.Series(True, index=rows.index)
    if since:
        keep &= rows["day"] >= since
    if until:
        keep &= rows["day"] <= until
    return rows[keep]


def _published_within(value, since: date | None, until: date | None) -> bool:
    """Whether a published_at falls from `since` to `until` (KST days); a time that
    cannot be read counts as inside (what to make of it is the report's, not this filter's)."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return True
    day = (moment.astimezone(ZoneInfo(KST)) if moment.tzinfo else moment).date()
    return (not since or day >= since) and (not until or day <= until)


def stories_in_window(records: Iterable[dict], since: date | None, until: date | None) -> Iterator[dict]:
    """From records ordered by story, those of the stories with a version published from
    `since` to `until`: only they can have a change in the period (a change counts on its
    newer version's day), so the report diffs no story outside it."""
    if not since and not until:
        yield from records
        return
    for _, versions in groupby(records, key=lambda record: str(record.get("article_id") or "")[:15]):
        versions = list(versions)
        if any(_published_within(record.get("published_at"), since, until) for record in versions):
            yield from versions


def _present(series: pd.Series) -> pd.Series:
    """True where a field has a value."""
    return series.map(_has)


def build(rows: pd.DataFrame, runs: list[dict], now: datetime, since: date | None = None,
          until: date | None = None, changes: pd.DataFrame | None = None) -> Report:
    """Every aggregate of the report. `runs`: run reports (dicts as RunReport writes them).
    The period runs from `since` (else the first day with rows) to `until` (else the last
    day with rows; never past today), and every day of it counts, the empty ones as 0.
    `changes`: change rows (changes_frame), for the section on what revisions changed."""
    run_frame = runs_table(runs)
    successful = run_frame[run_frame["healthy"] == True] if not run_frame.empty else run_frame  # noqa: E712
    metrics: dict[str, object] = {
        "stories": int(rows["story_id"].nunique()),
        "versions": int(len(rows)),
        "first_day": str(rows["day"].min()) if len(rows) else "",
        "last_day": str(rows["day"].max()) if len(rows) else "",
        "last_crawl": _minute_utc(successful["finished_at"].max()) if len(successful) else "",
        "runs": len(runs),  # all of them; run_frame holds the last RUNS_SHOWN
    }
    if not len(rows):
        return Report(metrics, runs=run_frame)
    newest = rows.loc[rows["published_at"].idxmax()]
    metrics["newest_story"] = str(newest["story_id"])
    metrics["newest_age"] = age_text((pd.Timestamp(now) - newest["published_at"]).total_seconds() / 3600)

    today = pd.Timestamp(now).tz_convert(KST).date()
    first_day = min(since or rows["day"].min(), rows["day"].min())
    last_day = max(min(until, today) if until else rows["day"].max(), rows["day"].max())
    days = pd.date_range(first_day, last_day).date
    unit = period_unit(len(days))
    periods = pd.Index(dict.fromkeys(period_label(day, unit) for day in days), name="period")

    first = rows.sort_values("published_at").drop_duplicates("story_id", keep="first")  # a story counts on its first day
    per_day = first.groupby("day").size().reindex(days, fill_value=0).astype(int)
    per_day.index.name = "day"
    row_period = rows["day"].map(lambda day: period_label(day, unit))
    by_period_section = (first.groupby([first["day"].map(lambda day: period_label(day, unit)), "section"]).size()
                         .unstack(fill_value=0).reindex(periods, fill_value=0).astype(int))
    metrics["days"] = len(days)
    metrics["empty_days"] = int((per_day == 0).sum())

    per_story = rows.groupby("story_id")
    versions = per_story.size()
    metrics["revised_share"] = round(float((versions > 1).mean()), 4)
    spans = (per_story["published_at"].max() - per_story["published_at"].min()).dt.total_seconds() / 3600
    revised_spans = spans[versions > 1]
    buckets = pd.cut(revised_spans, [0, 1, 3, 6, 12, 24, 48, float("inf")], right=False,
                     labels=["<1 h", "1-3 h", "3-6 h", "6-12 h", "12-24 h", "24-48 h", ">=48 h"])
    # Shares per period; a period without rows stays NaN, so a line breaks there instead
    # of running straight through it.
    health = (pd.DataFrame({name: _present(rows[name]) for name in HEALTH_FIELDS}).groupby(row_period).mean()
              .reindex(periods))
    layouts = (pd.crosstab(row_period, rows["layout"], normalize="index")
               .reindex(index=periods, columns=list(LAYOUTS)))
    layouts.loc[layouts.notna().any(axis=1)] = layouts.loc[layouts.notna().any(axis=1)].fillna(0.0)
    keywords = rows["keywords"].explode().dropna()
    keywords = keywords[keywords.astype(str) != ""]
    return Report(
        metrics=metrics,
        per_day=per_day,
        unit=unit,
        by_period_section=by_period_section,
        gaps=gaps(per_day),
        empty_stretches=empty_stretches(per_day),
        versions_per_story=versions.value_counts().sort_index(),
        hours_to_last_version=buckets.value_counts().sort_index(),
        field_health=health,
        layout_share=layouts,
        top_keywords=keywords.value_counts().head(TOP),
        top_sections=first["section"].value_counts().head(TOP),
        runs=run_frame,
        changes=what_changed(changes, unit, periods, days[0], days[-1], versions) if changes is not None else None,
    )


def empty_stretches(per_day: pd.Series, longest: int = EMPTY_STRETCHES) -> pd.DataFrame:
    """The longest runs of consecutive days without a story, longest first (earliest first
    among equals). Columns: first, last, days."""
    empty = (per_day == 0).to_numpy()
    stretches, start = [], None
    for position, is_empty in enumerate([*empty, False]):
        if is_empty and start is None:
            start = position
        elif not is_empty and start is not None:
            stretches.append((per_day.index[start], per_day.index[position - 1], position - start))
            start = None
    stretches.sort(key=lambda stretch: (-stretch[2], stretch[0]))
    return pd.DataFrame(stretches[:longest], columns=["first", "last", "days"])


def gaps(per_day: pd.Series) -> pd.DataFrame:
    """Days far below the usual count (the median of the days around them): possible
    crawl gaps. Columns: day, stories, usual."""
    usual = per_day.rolling(GAP_WINDOW_DAYS, center=True, min_periods=1).median()
    flagged = (usual >= GAP_MIN_USUAL) & (per_day < GAP_SHARE * usual)
    return pd.DataFrame({"day": per_day.index[flagged], "stories": per_day[flagged].astype(int).values,
                         "usual": usual[flagged].values})


def runs_table(runs: list[dict]) -> pd.DataFrame:
    """One row per run report: when, items, errors, duration, health, failed checks."""
    columns = ["started_at", "finished_at", "job", "items", "errors", "duration_s", "healthy", "failed_checks"]
    table = pd.DataFrame.from_records((
        {"started_at": run.get("started_at", ""), "finished_at": run.get("finished_at", ""), "job": run.get("job", ""),
         "items": run.get("items_exported", 0),
         "errors": run.get("stats", {}).get("log_count/ERROR", 0) + run.get("stats", {}).get("log_count/CRITICAL", 0),
         "duration_s": run.get("stats", {}).get("elapsed_time_seconds"),
         "healthy": run.get("healthy"), "failed_checks": ", ".join(run.get("failed_checks", []))}
        for run in runs), columns=columns)
    return table.sort_values("started_at").tail(RUNS_SHOWN).reset_index(drop=True)


@dataclass
class ArchiveCoverage:
    """The store against an archive's index (`newscrawl coverage --json`), per period."""

    archive: str
    unit: str
    by_period: pd.DataFrame  # period -> held, archived, missing, only_held
    worst_days: pd.DataFrame  # day, held, archived, missing: the days missing most
    totals: dict[str, int]


def archive_coverage(archive: str, days) -> ArchiveCoverage:
    """Aggregates of a coverage check's days (newscrawl.archives.coverage.DayCoverage)."""
    table = pd.DataFrame([{"day": d.day, "held": d.held, "archived": d.archived, "missing": len(d.missing),
                           "only_held": d.only_held} for d in days],
                         columns=["day", "held", "archived", "missing", "only_held"])
    unit = period_unit(len(table))
    table["period"] = table["day"].map(lambda day: period_label(day, unit))
    by_period = table.groupby("period", sort=True)[["held", "archived", "missing", "only_held"]].sum()
    worst = table[table["missing"] > 0].sort_values(["missing", "day"], ascending=[False, True]).head(10)
    totals = {name: int(table[name].sum()) for name in ("held", "archived", "missing", "only_held")}
    return ArchiveCoverage(archive, unit, by_period, worst[["day", "held", "archived", "missing"]], totals)



# What the revisions changed: their kinds are the editor's notes' actions.
NO_NOTE = "(no note)"
NO_ACTION = "(a note, no action read)"
MOST_REVISED = 10


def revision_label(version: int) -> str:
    """51 -> "(LEAD)", 52 -> "(2nd LD)", 53 -> "(3rd LD)", 54 -> "(4th LD)"; 55 and later together."""
    return {51: "(LEAD)", 52: "(2nd LD)", 53: "(3rd LD)", 54: "(4th LD)"}.get(version, "(5th LD) or later")


@dataclass
class ChangeSummary:
    """Aggregates of the period's changes between consecutive versions."""

    totals: dict[str, object]  # changes, notes, checkable, agreeing, agree_share (None: nothing checkable)
    by_period_action: pd.DataFrame  # period x action -> changes whose note names it
    minutes_to_revision: pd.DataFrame  # revision label -> changes, median_minutes
    most_revised: pd.DataFrame  # story_id, headline, versions, changes, added, changed, removed, headlines,
    #                             photos, agreeing, checkable, last


def changes_frame(rows) -> pd.DataFrame:
    """Change rows (newscrawl.revisions.chains.change_row) as a frame, times as KST."""
    columns = ["story_id", "to_version", "published_at", "minutes", "headline", "headline_changed", "added", "removed",
               "changed", "photos_added", "photos_removed", "note", "note_actions", "note_agrees"]
    frame_ = pd.DataFrame.from_records(([row.get(k) for k in columns] for row in rows), columns=columns)
    frame_["published_at"] = pd.to_datetime(frame_["published_at"], utc=True, errors="coerce",
                                            format="ISO8601").dt.tz_convert(KST)
    frame_ = frame_.dropna(subset=["published_at"])
    frame_["day"] = frame_["published_at"].dt.date
    return frame_


def what_changed(changes: pd.DataFrame, unit: str, periods: pd.Index, first_day: date, last_day: date,
                 versions: pd.Series | None = None) -> ChangeSummary:
    """The period's changes (a change counts on the day its newer version was published):
    per period by kind of action, the median minutes to each revision, how often the
    diff agrees with the note, and the most revised stories. `versions`: story_id ->
    versions held (else a story's changes + 1)."""
    changes = changes[(changes["day"] >= first_day) & (changes["day"] <= last_day)]
    agrees = changes["note_agrees"]
    checkable = int(agrees.isin([True, False]).sum())
    agreeing = int((agrees == True).sum())  # noqa: E712 - True, not truthy: None is "nothing to check"
    has_note = changes["note"].fillna("") != ""
    totals = {"changes": int(len(changes)), "notes": int(has_note.sum()),
              "checkable": checkable, "agreeing": agreeing,
              "agree_share": round(agreeing / checkable, 4) if checkable else None}
    actions = changes["note_actions"].fillna("").map(str.split)
    actions = actions.where(actions.map(len) > 0, has_note.map(lambda noted: [NO_ACTION] if noted else [NO_NOTE]))
    exploded = pd.DataFrame({"period": changes["day"].map(lambda day: period_label(day, unit)), "action": actions}
                            ).explode("action")
    by_period_action = (pd.crosstab(exploded["period"], exploded["action"]).reindex(periods, fill_value=0).astype(int)
                        if len(exploded) else pd.DataFrame(index=periods))
    order = by_period_action.sum().sort_values(ascending=False).index
    by_period_action = by_period_action[order]
    to_revision = (changes.assign(step=changes["to_version"].clip(upper=55)).groupby("step")["minutes"]
                   .agg(changes="size", median_minutes="median").sort_index())
    to_revision.index = [revision_label(int(step)) for step in to_revision.index]
    per_story = changes.assign(photos=changes["photos_added"] + changes["photos_removed"],
                               agreeing=agrees == True, checkable=agrees.isin([True, False])  # noqa: E712
                               ).sort_values("published_at").groupby("story_id")
    most = per_story.agg(headline=("headline", "last"), changes=("minutes", "size"), added=("added", "sum"),
                         changed=("changed", "sum"), removed=("removed", "sum"), headlines=("headline_changed", "sum"),
                         photos=("photos", "sum"), last=("published_at", "max"), agreeing=("agreeing", "sum"),
                         checkable=("checkable", "sum"))
    held = pd.Series(most.index.map(versions) if versions is not None else None, index=most.index, dtype=float)
    most["versions"] = held.fillna(most["changes"] + 1).astype(int)
    most = most.sort_values(["changes", "last"], ascending=[False, False]).head(MOST_REVISED).reset_index()
    return ChangeSummary(totals, by_period_action, to_revision, most)
