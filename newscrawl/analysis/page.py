"""The analysts' report as one self-contained HTML file: Plotly charts with plotly.js
inline (no CDN: the page opens offline, by double-click), headline numbers in elements
with a `data-metric` attribute for scripts and tests. Only aggregates are embedded.
"""
from __future__ import annotations

import html
from datetime import datetime

import plotly.graph_objects as go

from newscrawl.analysis.aggregates import HEALTH_FIELDS, Report

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:1.5rem;color:#1d2733}
h1{font-size:1.5rem;margin:0 0 .25rem} h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid #dde3ea;padding-bottom:.25rem}
.sub{color:#5b6b7b;margin:0 0 1rem} .metrics{display:flex;flex-wrap:wrap;gap:.75rem}
.metric{background:#f3f6f9;border-radius:8px;padding:.6rem .9rem;min-width:9rem}
.metric b{display:block;font-size:1.35rem} .metric span{color:#5b6b7b;font-size:.85rem}
table{border-collapse:collapse;font-size:.9rem} td,th{border-bottom:1px solid #e6ebf0;padding:.25rem .6rem;text-align:left}
.empty{background:#fff8e1;border:1px solid #f0d98a;border-radius:8px;padding:1rem} .bad{color:#b3261e;font-weight:600}
.chart{min-height:320px}
"""


def _metric(name: str, label: str, value) -> str:
    shown = value if value not in ("", None) else "–"
    return f'<div class="metric"><b data-metric="{name}">{html.escape(str(shown))}</b><span>{html.escape(label)}</span></div>'


def _figure(figure: go.Figure, div_id: str, first: bool) -> str:
    figure.update_layout(margin=dict(l=50, r=20, t=30, b=40), height=340, template="plotly_white",
                         legend=dict(orientation="h", y=-0.2))
    return figure.to_html(full_html=False, include_plotlyjs=first, div_id=div_id,
                          config={"displaylogo": False, "responsive": True})


def _table(rows: list[list[str]], header: list[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render(report: Report, title: str, source: str, generated: datetime) -> str:
    """The whole page."""
    m = report.metrics
    parts = [f"<h1>{html.escape(title)}</h1>",
             f'<p class="sub">{html.escape(source)} · generated {generated:%Y-%m-%d %H:%M} KST</p>',
             '<div class="metrics">',
             _metric("stories", "stories", m.get("stories", 0)), _metric("versions", "versions (incl. revisions)", m.get("versions", 0)),
             _metric("first_day", "first day (KST)", m.get("first_day")), _metric("last_day", "last day (KST)", m.get("last_day")),
             _metric("newest_age_hours", f"hours since the newest story {m.get('newest_story', '')}", m.get("newest_age_hours")),
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

    daily = report.daily_by_section
    coverage = go.Figure([go.Bar(x=[str(d) for d in daily.index], y=daily[s].tolist(), name=str(s)) for s in daily.columns])
    coverage.update_layout(barmode="stack", yaxis_title="stories a day")
    parts += ["<h2>Coverage: stories per day, by section</h2>", chart(coverage, "coverage")]
    if len(report.gaps):
        rows = [[str(g.day), str(g.stories), f"{g.usual:.0f}"] for g in report.gaps.itertuples()]
        parts += ['<p class="bad">Possible crawl gaps: days far below the usual count.</p>',
                  _table(rows, ["day", "stories", "usual (median of nearby days)"])]
    else:
        parts.append("<p>No day falls far below the usual count.</p>")

    parts.append("<h2>Revisions</h2>")
    parts.append(f'<p><b data-metric="revised_share">{m["revised_share"]:.1%}</b> of stories have a (LEAD) or later version.</p>')
    versions = report.versions_per_story
    parts.append(chart(go.Figure([go.Bar(x=[str(v) for v in versions.index], y=versions.tolist(), name="stories")])
                       .update_layout(xaxis_title="versions of a story", yaxis_title="stories"), "versions"))
    spans = report.hours_to_last_version
    if spans.sum():
        parts.append(chart(go.Figure([go.Bar(x=[str(b) for b in spans.index], y=spans.tolist(), name="stories")])
                           .update_layout(xaxis_title="from the first to the last version", yaxis_title="revised stories"),
                           "revision_time"))

    health, layouts = report.field_health, report.layout_share
    days = [str(d) for d in health.index]
    parts += ["<h2>Field health over time</h2>",
              "<p>Share of rows with each field, per day. A field falling to zero is a parser broken by a redesign.</p>",
              chart(go.Figure([go.Scatter(x=days, y=health[f].tolist(), mode="lines+markers", name=f) for f in HEALTH_FIELDS])
                    .update_layout(yaxis=dict(title="share of rows", tickformat=".0%", range=[0, 1.05])), "field_health"),
              "<p>Share of rows read by each page layout; a rising <code>meta</code> share is a redesign.</p>",
              chart(go.Figure([go.Scatter(x=[str(d) for d in layouts.index], y=layouts[l].tolist(), stackgroup="one",
                                          name=l) for l in layouts.columns])
                    .update_layout(yaxis=dict(title="share of rows", tickformat=".0%")), "layouts")]
    parts += _runs_section(report, chart)
    keywords, sections = report.top_keywords, report.top_sections
    parts += ["<h2>What is in it</h2>",
              chart(go.Figure([go.Bar(y=[str(k) for k in keywords.index][::-1], x=keywords.tolist()[::-1], orientation="h",
                                      name="rows")]).update_layout(title="top keywords", height=max(340, 22 * len(keywords))),
                    "keywords") if len(keywords) else "<p>No keywords.</p>",
              chart(go.Figure([go.Bar(y=[str(s) for s in sections.index][::-1], x=sections.tolist()[::-1], orientation="h",
                                      name="stories")]).update_layout(title="top sections"), "sections")]
    return _page(title, "\n".join(parts))


def _runs_section(report: Report, chart=None) -> list[str]:
    """The runs' table, and their chart when there are charts on the page."""
    runs = report.runs
    parts = ["<h2>Crawl runs</h2>"]
    if runs.empty:
        return parts + ["<p>No run reports found (they are written next to each run's feed).</p>"]
    if chart is not None:
        colours = ["#2e7d32" if healthy is True else "#b3261e" if healthy is False else "#9e9e9e" for healthy in runs["healthy"]]
        figure = go.Figure([go.Bar(x=runs["started_at"].tolist(), y=runs["items"].tolist(), marker_color=colours,
                                   name="items", text=runs["failed_checks"].tolist(),
                                   hovertemplate="%{x}<br>%{y} items<br>%{text}<extra></extra>")])
        parts.append(chart(figure.update_layout(yaxis_title="items exported (red: a check failed)"), "runs"))
    rows = [[html.escape(str(r.started_at)), html.escape(str(r.job)), str(r.items), str(r.errors),
             "" if r.duration_s is None or r.duration_s != r.duration_s else f"{r.duration_s:.0f} s",
             "ok" if r.healthy is True else f'<span class="bad">FAILED: {html.escape(r.failed_checks)}</span>'
             if r.healthy is False else "unchecked"] for r in runs.tail(20).itertuples()]
    return parts + [_table(rows, ["started (UTC)", "job", "items", "errors", "duration", "health"])]


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>'
            f"<body>{body}</body></html>\n")
