"""How complete the store is against an archive's index, day by day (no Scrapy import).

A day is an article id's KST day (its digits): the ids the store holds, the ids the
archive holds as a page (a status-200 capture), the ids the archive holds and the store
lacks (`missing`: fetch them), and the ids only the store holds (information: no
archive captured them).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Iterable

from newscrawl.ids import canonical_url, parse_article_id


@dataclass
class DayCoverage:
    day: date
    held: int = 0
    archived: int = 0
    missing: list[str] = field(default_factory=list)  # in the archive, not in the store
    only_held: int = 0  # in the store, in no capture of the archive


def coverage_by_day(held_ids: Iterable[str], archived_ids: Iterable[str], since: date, until: date) -> list[DayCoverage]:
    """One DayCoverage for every day from since to until (ids of other days ignored)."""
    days = {since + timedelta(days=offset): DayCoverage(since + timedelta(days=offset))
            for offset in range((until - since).days + 1)}

    def by_day(ids) -> dict[date, set[str]]:
        grouped: dict[date, set[str]] = {}
        for article_id in ids:
            parsed = parse_article_id(article_id)
            if parsed is not None and parsed.day in days:
                grouped.setdefault(parsed.day, set()).add(parsed.value)
        return grouped

    held, archived = by_day(held_ids), by_day(archived_ids)
    for day, entry in days.items():
        mine, theirs = held.get(day, set()), archived.get(day, set())
        entry.held, entry.archived = len(mine), len(theirs)
        entry.missing = sorted(theirs - mine)
        entry.only_held = len(mine - theirs)
    return list(days.values())


def totals(days: list[DayCoverage]) -> dict[str, int]:
    return {"days": len(days), "held": sum(d.held for d in days), "archived": sum(d.archived for d in days),
            "missing": sum(len(d.missing) for d in days), "only_held": sum(d.only_held for d in days)}


def missing_urls(days: list[DayCoverage]) -> list[str]:
    """The missing versions as article URLs, one a line for `-a urls_file=`."""
    return [canonical_url(article_id) for day in days for article_id in day.missing]


def format_table(days: list[DayCoverage], archive: str) -> str:
    rows = [("DAY (KST)", "IN STORE", f"IN {archive.upper() if '://' not in archive else 'ARCHIVE'}", "MISSING",
             "ONLY IN STORE")]
    rows += [(str(d.day), f"{d.held:,}", f"{d.archived:,}", f"{len(d.missing):,}", f"{d.only_held:,}") for d in days]
    total = totals(days)
    rows.append((f"total ({total['days']:,} days)", f"{total['held']:,}", f"{total['archived']:,}",
                 f"{total['missing']:,}", f"{total['only_held']:,}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.rjust(width) if i else cell.ljust(width) for i, (cell, width)
                               in enumerate(zip(row, widths))).rstrip() for row in rows)


def to_json(days: list[DayCoverage], archive: str, checked_at: str) -> str:
    return json.dumps({"archive": archive, "checked_at": checked_at, "totals": totals(days),
                       "days": [{**asdict(d), "day": str(d.day)} for d in days]}, indent=1)


def from_json(text: str) -> tuple[str, list[DayCoverage]]:
    """(archive, days) of a `newscrawl coverage --json` file; ValueError if it is none."""
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("days"), list):
        raise ValueError("not a newscrawl coverage file (no days)")
    days = []
    for entry in data["days"]:
        if not isinstance(entry, dict):
            raise ValueError("not a newscrawl coverage file (a day is not an object)")
        days.append(DayCoverage(date.fromisoformat(str(entry.get("day"))), int(entry.get("held") or 0),
                                int(entry.get("archived") or 0), [str(i) for i in entry.get("missing") or []],
                                int(entry.get("only_held") or 0)))
    return str(data.get("archive") or "archive"), days
