"""The analysts' report as one self-contained HTML file: Plotly charts with plotly.js
inline (no CDN: the page opens offline, by double-click), headline numbers in elements
with a `data-metric` attribute for scripts and tests. Only aggregates are embedded.
"""
from __future__ import annotations

import html
from datetime import date, datetime, timedelta

import pandas as pd
import plotly.graph_objects as go

from newscrawl.analysis.aggregates import HEALTH_FIELDS, ArchiveCoverage, ChangeSummary, Report, age_text, plural

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:1.5rem;color:#1d2733}
h1{font-size:1.5rem;margin:0 0 .25rem} h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid #dde3ea;padding-bottom:.25rem}
.sub{color:#5b6b7b;margin:0 0 1rem} .metrics{display:flex;flex-wrap:wrap;gap:.75rem}
.metric{background:#f3f6f9;border-radius:8px;padding:.6rem .9rem;min-width:9rem}
.metric b{display:block;font-size:1.35rem} .metric span{color:#5b6b7b;font-size:.85rem}
table{border-collapse:collapse;font-size:.9rem} td,th{border-bottom:1px solid #e6ebf0;padding:.25rem .6rem;text-align:left}
.empty{background:#fff8e1;border:1px solid #f0d98a;border-radius:8px;padding:1rem} .bad{color:#b3261e;font-weight:600}
.chart{min-height:180px}
"""


def _metric(name: str, label: str, value) -> str:
    shown = value if value not in ("", None) else "–"
    return f'<div class="metric"><b data-metric="{name}">{html.escape(str(shown))}</b><span>{html.escape(label)}</span></div>'


def _figure(figure: go.Figure, div_id: str, first: bool) -> str:
    # The legend above the plot: below, it would sit on the rotated tick labels of long axes.
    figure.update_layout(margin=dict(l=50, r=20, t=30, b=40), height=figure.layout.height or 340,
                         template="plotly_white", legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"))
    return figure.to_html(full_html=False, include_plotlyjs=first, div_id=div_id,
                          config={"displaylogo": False, "responsive": True})


def _table(rows: list[list[str]], header: list[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def count_axis(title: str, maximum: float) -> dict:
    """An axis of counts: integer ticks only, from zero (small counts tick at every integer)."""
    axis = dict(title=title, tickformat=",d", rangemode="tozero")
    if maximum <= 10:
        axis.update(dtick=1, range=[0, max(1, maximum) * 1.08])
    return axis


def _week_column(day: date) -> int:
    """The calendar column of a day: the week of its year, weeks starting on Monday."""
    return (day.timetuple().tm_yday - 1 + date(day.year, 1, 1).weekday()) // 7


def coverage_calendar(per_day: pd.Series) -> go.Figure:
    """Stories a day as a calendar: a block of weekday rows per year, a column per week,
    square cells. Every day of the period is a cell, a day without a story drawn in its
    own colour, so a gap shows at any span, from one day to seven years."""
    years = sorted({day.year for day in per_day.index})
    columns, rows = 54, 8 * len(years) - 1  # a blank row between years
    counts = [[None] * columns for _ in range(rows)]
    labels = [[""] * columns for _ in range(rows)]
    for day, stories in per_day.items():
        row, column = 8 * years.index(day.year) + day.weekday(), _week_column(day)
        counts[row][column] = int(stories)
        labels[row][column] = f"{day:%a %Y-%m-%d}: {plural(int(stories), 'story')}"
    most = max(int(per_day.max()), 1)
    step = 0.5 / most  # 0 has a colour of its own, any story is green
    colorbar = dict(title="stories", thickness=12, tickformat=",d", len=min(1.0, 0.3 + 0.1 * rows))
    if most <= 10:
        colorbar["dtick"] = 1
    figure = go.Figure(go.Heatmap(
        z=counts, text=labels, hovertemplate="%{text}<extra></extra>", xgap=2, ygap=2, zmin=0, zmax=most,
        colorscale=[[0, "#f2b8b0"], [step, "#f2b8b0"], [step, "#d7ecd1"], [1, "#1b6e35"]], colorbar=colorbar))
    first, last = per_day.index[0], per_day.index[-1]
    if len(years) > 1:  # whole years side by side; a month's tick where it starts in the first year
        left, right, ticks = 0, columns - 1, [(_week_column(date(years[0], month, 1)), f"{date(2000, month, 1):%b}")
                                              for month in range(1, 13)]
    else:  # the months the period touches
        months = range(first.month, last.month + 1)
        ticks = [(_week_column(date(first.year, month, 1)), f"{date(2000, month, 1):%b}") for month in months]
        end = date(first.year, 12, 31) if last.month == 12 else date(first.year, last.month + 1, 1) - timedelta(days=1)
        left, right = ticks[0][0], _week_column(end)
    figure.update_layout(
        height=90 + 16 * rows,
        xaxis=dict(tickvals=[column for column, _ in ticks], ticktext=[text for _, text in ticks], side="top",
                   showgrid=False, zeroline=False, range=[left - 0.5, right + 0.5], constrain="domain"),
        yaxis=dict(autorange="reversed", showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1,
                   constrain="domain",
                   tickvals=[8 * index + weekday for index in range(len(years)) for weekday in (0, 2, 4, 6)],
                   ticktext=[f"{year} {name}" if name == "Mon" else name for year in years
                             for name in ("Mon", "Wed", "Fri", "Sun")]))
    return figure


def render(report: Report, title: str, source: str, generated: datetime,
           coverage: ArchiveCoverage | None = None) -> str:
    """The whole page; with `coverage`, a section on the store against an archive."""
    m = report.metrics
    parts = [f"<h1>{html.escape(title)}</h1>",
             f'<p class="sub">{html.escape(source)} · generated {generated:%Y-%m-%d %H:%M} KST</p>',
             '<div class="metrics">',
             _metric("stories", "stories", m.get("stories", 0)), _metric("versions", "versions (incl. revisions)", m.get("versions", 0)),
             _metric("first_day", "first day (KST)", m.get("first_day")), _metric("last_day", "last day (KST)", m.get("last_day")),
             _metric("newest_age", f"since the newest story {m.get('newest_story', '')}", m.get("newest_age")),
             _metric("last_crawl", "last healthy crawl (UTC)", m.get("last_crawl")), "</div>"]
    if report.empty:
        parts.append('<p class="empty" id="empty">No articles in this period yet: nothing to chart. Run a crawl, '
                     'or widen --since/--until.</p>')
        parts += _runs_section(report)
        return _page(title, "\n".join(parts))
    charts: list[str] = []

    def chart(figure: go.Figure, div_id: str) -> str:
        charts.append(div_id)
        return f'<div class="chart">{_figure(figure, div_id, first=len(charts) == 1)}</div>'

    unit = report.unit
    per = {"day": "per day", "week": "per week (from Monday)", "month": "per month"}[unit]
    parts += ["<h2>Coverage: stories per day</h2>",
              f'<p>Every day of the period, {plural(m["days"], "day")} (a story counts once, on the day of its first '
              'version); red: a day without a story.</p>',
              chart(coverage_calendar(report.per_day), "coverage")]
    if m["empty_days"]:
        rows = [[str(s.first), str(s.last), plural(int(s.days), "day")] for s in report.empty_stretches.itertuples()]
        parts += [f'<p class="bad" data-metric="empty_days">{plural(m["empty_days"], "day")} of '
                  f'{m["days"]:,} have no story. The longest stretches:</p>',
                  _table(rows, ["from", "to", "without a story"])]
    if len(report.gaps):
        rows = [[str(g.day), str(g.stories), f"{g.usual:.0f}"] for g in report.gaps.itertuples()]
        parts += ['<p class="bad">Possible crawl gaps: days far below the usual count.</p>',
                  _table(rows, ["day", "stories", "usual (median of nearby days)"])]
    elif not m["empty_days"]:
        parts.append("<p>Every day has stories, and none falls far below the usual count.</p>")
    sections = report.by_period_section
    periods = [str(p) for p in sections.index]
    by_section = go.Figure([go.Bar(x=periods, y=sections[s].tolist(), name=str(s)) for s in sections.columns])
    by_section.update_layout(barmode="stack", xaxis=dict(type="category", title=unit),
                             yaxis=count_axis(f"stories {per}", float(sections.sum(axis=1).max())))
    parts += [f"<h3>Stories {per}, by section</h3>", chart(by_section, "coverage_sections")]

    parts.append("<h2>Revisions</h2>")
    parts.append(f'<p><b data-metric="revised_share">{m["revised_share"]:.1%}</b> of stories have a (LEAD) or later version.</p>')
    versions = report.versions_per_story
    parts.append(chart(go.Figure([go.Bar(x=[str(v) for v in versions.index], y=versions.tolist(), name="stories")])
                       .update_layout(xaxis=dict(type="category", title="versions of a story"),
                                      yaxis=count_axis("stories", float(versions.max()))), "versions"))
    spans = report.hours_to_last_version
    if spans.sum():
        parts.append(chart(go.Figure([go.Bar(x=[str(b) for b in spans.index], y=spans.tolist(), name="stories")])
                           .update_layout(xaxis=dict(type="category", title="from the first to the last version"),
                                          yaxis=count_axis("revised stories", float(spans.max()))), "revision_time"))

    if report.changes is not None:
        parts += _changes_section(report.changes, unit, per, chart)

    health, layouts = report.field_health, report.layout_share
    points = [str(p) for p in health.index]
    mode = "lines+markers" if len(points) <= 120 else "lines"
    parts += ["<h2>Field health over time</h2>",
              f"<p>Share of rows with each field, {per}; a break in a line is a {unit} without rows. A field "
              "falling to zero is a parser broken by a redesign.</p>",
              chart(go.Figure([go.Scatter(x=points, y=[None if v != v else v for v in health[f].tolist()], mode=mode,
                                          name=f, connectgaps=False) for f in HEALTH_FIELDS])
                    .update_layout(xaxis=dict(type="category", title=unit),
                                   yaxis=dict(title="share of rows", tickformat=".0%", range=[0, 1.05])),
                    "field_health"),
              f"<p>Share of rows read by each page layout, {per}; a rising <code>meta</code> share is a redesign.</p>",
              chart(go.Figure([go.Bar(x=[str(p) for p in layouts.index],
                                      y=[None if v != v else v for v in layouts[l].tolist()], name=l)
                               for l in layouts.columns])
                    .update_layout(barmode="stack", xaxis=dict(type="category", title=unit),
                                   yaxis=dict(title="share of rows", tickformat=".0%", range=[0, 1.05])), "layouts")]
    if coverage is not None:
        parts += _coverage_section(coverage, chart)
    parts += _runs_section(report, chart)
    keywords, top_sections = report.top_keywords, report.top_sections
    parts += ["<h2>What is in it</h2>",
              chart(go.Figure([go.Bar(y=[str(k) for k in keywords.index][::-1], x=keywords.tolist()[::-1], orientation="h",
                                      name="rows")])
                    .update_layout(title="top keywords", height=max(340, 22 * len(keywords)),
                                   xaxis=count_axis("rows", float(keywords.max()))),
                    "keywords") if len(keywords) else "<p>No keywords.</p>",
              chart(go.Figure([go.Bar(y=[str(s) for s in top_sections.index][::-1], x=top_sections.tolist()[::-1],
                                      orientation="h", name="stories")])
                    .update_layout(title="top sections", xaxis=count_axis("stories", float(top_sections.max()))),
                    "sections")]
    return _page(title, "\n".join(parts))


def _changes_section(summary: ChangeSummary, unit: str, per: str, chart) -> list[str]:
    """What the revisions changed: by kind of action (the editor's notes), how long each
    revision took, how often the note is borne out by the diff, the most revised stories."""
    totals = summary.totals
    parts = ["<h2>What changed</h2>"]
    if not totals["changes"]:
        return parts + ['<p data-metric="changes">No two consecutive versions of a story in this period: no '
                        "change to show.</p>"]
    share = totals["agree_share"]
    parts.append(
        f'<p><b data-metric="changes">{totals["changes"]:,}</b> changes between consecutive versions, '
        f'{totals["notes"]:,} of them with an editor\'s note. Of the {plural(totals["checkable"], "note")} that name '
        "something a diff can check (paragraphs, headline, photo), the diff agrees with "
        f'<b data-metric="note_agree_share">{"–" if share is None else f"{share:.0%}"}</b>. '
        "<code>newscrawl diff ID</code> shows one story's changes word by word.</p>")
    actions = summary.by_period_action
    periods = [str(p) for p in actions.index]
    figure = go.Figure([go.Bar(x=periods, y=actions[a].tolist(), name=str(a)) for a in actions.columns])
    figure.update_layout(barmode="stack", xaxis=dict(type="category", title=unit),
                         yaxis=count_axis(f"revisions {per}, by the note's actions",
                                          float(actions.sum(axis=1).max()) if len(actions.columns) else 1.0))
    parts += [f"<h3>Revisions {per}, by kind (a note naming two actions counts in both)</h3>",
              chart(figure, "changes_by_action")]
    timing = summary.minutes_to_revision
    rows = [[html.escape(str(label)), f"{int(r.changes):,}",
             "–" if r.median_minutes != r.median_minutes else age_text(float(r.median_minutes) / 60)]
            for label, r in zip(timing.index, timing.itertuples())]
    parts += ["<h3>Time to each revision (median, from the version before)</h3>",
              _table(rows, ["revision", "changes", "median time"])]
    most = summary.most_revised
    rows = [[html.escape(str(r.story_id)), html.escape(str(r.headline)), str(int(r.versions)),
             html.escape(_change_text(r)),
             "–" if not r.checkable else f"{int(r.agreeing)} of {int(r.checkable)}"] for r in most.itertuples()]
    parts += ["<h3>The most revised stories</h3>",
              _table(rows, ["story", "headline (latest)", "versions held", "what changed", "notes borne out"])]
    return parts


def _change_text(row) -> str:
    said = [f"{plural(int(row.added), 'paragraph')} added" if row.added else "",
            f"{int(row.changed):,} changed" if row.changed else "", f"{int(row.removed):,} removed" if row.removed else "",
            "headline recast" + (f" {int(row.headlines)} times" if row.headlines > 1 else "") if row.headlines else "",
            f"{plural(int(row.photos), 'photo')} in or out" if row.photos else ""]
    return ", ".join(part for part in said if part) or "no change in text, headline or photos"


def _coverage_section(coverage: ArchiveCoverage, chart) -> list[str]:
    """The store against an archive's index: what the archive holds that the store lacks."""
    totals, by = coverage.totals, coverage.by_period
    per = {"day": "per day", "week": "per week (from Monday)", "month": "per month"}[coverage.unit]
    parts = [f"<h2>Coverage against {html.escape(coverage.archive)}</h2>",
             f'<p><b data-metric="archive_missing">{totals["missing"]:,}</b> versions the archive holds are not in the '
             f'store (of {totals["archived"]:,} it holds; the store holds {totals["held"]:,}, {totals["only_held"]:,} of '
             "them in no capture of the archive). <code>newscrawl coverage -o missing.txt</code> lists them for "
             "<code>-a urls_file=missing.txt</code>.</p>"]
    periods = [str(p) for p in by.index]
    figure = go.Figure([go.Bar(x=periods, y=by[name].tolist(), name=label) for name, label in
                        (("held", "in the store"), ("archived", "in the archive"), ("missing", "missing from the store"))])
    figure.update_layout(barmode="group", xaxis=dict(type="category", title=coverage.unit),
                         yaxis=count_axis(f"versions {per}", float(by[["held", "archived"]].max().max())))
    parts.append(chart(figure, "archive_coverage"))
    if len(coverage.worst_days):
        rows = [[str(r.day), f"{r.held:,}", f"{r.archived:,}", f"{r.missing:,}"] for r in coverage.worst_days.itertuples()]
        parts += ["<p>The days missing most:</p>", _table(rows, ["day", "in the store", "in the archive", "missing"])]
    return parts


def _runs_section(report: Report, chart=None) -> list[str]:
    """The runs' table, and their chart when there are charts on the page: a marker per
    run (a failed run with no items still shows, red, at zero), on a time axis at least a
    day wide so that one run never gets sub-second ticks."""
    runs = report.runs
    parts = ["<h2>Crawl runs</h2>"]
    if runs.empty:
        return parts + ["<p>No run reports found (they are written next to each run's feed).</p>"]
    if chart is not None:
        started = pd.to_datetime(runs["started_at"], utc=True, errors="coerce", format="ISO8601")
        shown = runs[started.notna()]
        started = started[started.notna()].dt.tz_localize(None)
        if len(shown):
            colours = ["#2e7d32" if healthy is True else "#b3261e" if healthy is False else "#9e9e9e"
                       for healthy in shown["healthy"]]
            times = [f"{t:%Y-%m-%d %H:%M:%S}" for t in started]
            figure = go.Figure([go.Scatter(
                x=times, y=shown["items"].tolist(), mode="markers", name="runs",
                marker=dict(color=colours, size=10, line=dict(width=1, color="#ffffff")),
                text=[f"{job}: {checks}" if checks else str(job) for job, checks in zip(shown["job"], shown["failed_checks"])],
                hovertemplate="%{x} UTC<br>%{y} items<br>%{text}<extra></extra>")])
            middle, span = started.min() + (started.max() - started.min()) / 2, started.max() - started.min()
            half = max(span * 0.55, pd.Timedelta(hours=12))
            figure.update_layout(
                xaxis=dict(type="date", title="started (UTC)", range=[f"{middle - half:%Y-%m-%d %H:%M:%S}",
                                                                      f"{middle + half:%Y-%m-%d %H:%M:%S}"]),
                yaxis=count_axis("items exported (red: a check failed)", float(shown["items"].max())))
            parts.append(chart(figure, "runs"))
    rows = [[html.escape(str(r.started_at)), html.escape(str(r.job)), str(r.items), str(r.errors),
             "" if r.duration_s is None or r.duration_s != r.duration_s else f"{r.duration_s:.0f} s",
             "ok" if r.healthy is True else f'<span class="bad">FAILED: {html.escape(r.failed_checks)}</span>'
             if r.healthy is False else "unchecked"] for r in runs.tail(20).itertuples()]
    total = int(report.metrics.get("runs", len(runs)))
    charted = f", the last {len(runs):,} charted" if total > len(runs) and chart is not None else ""
    return parts + [f"<p>{plural(total, 'run')}{charted}; the last {min(20, len(runs))} listed:</p>",
                    _table(rows, ["started (UTC)", "job", "items", "errors", "duration", "health"])]


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>'
            f"<body>{body}</body></html>\n")
