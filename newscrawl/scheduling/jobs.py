"""The job listing (`newscrawl jobs`): scrapyd's jobs with what each run's report says."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable


def job_rows(jobs: dict, reports: dict[str, Path], progress: Callable[[str], str | None] = lambda job: None,
             outcomes: dict[str, dict] | None = None, outcomes_from: str = "") -> list[dict]:
    """One row per scrapyd job, newest first, with what its report says (and, for a
    running job, its latest progress line). A job whose report file is not here (it ran
    on another node) gets the outcome its run recorded in the shared state store."""
    outcomes = outcomes or {}
    rows = []
    for state in ("running", "pending", "finished"):
        for job in jobs.get(state, []):
            row = {"state": state, "job": job.get("id", ""), "spider": job.get("spider", ""),
                   "start": (job.get("start_time") or "")[:19], "end": (job.get("end_time") or "")[:19],
                   "items": None, "healthy": None, "failed_checks": [], "feed": None, "report": None,
                   "progress": progress(job.get("id", "")) if state == "running" else None, "log_problem": None}
            report_path = reports.get(row["job"])
            if report_path:
                try:
                    report = json.loads(report_path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    report = {}
                row.update(items=report.get("items_exported"), healthy=report.get("healthy"),
                           failed_checks=report.get("failed_checks", []), report=str(report_path),
                           feed=next((f.get("path") or f.get("uri") for f in report.get("feeds", [])), None))
            elif (outcome := outcomes.get(row["job"])) is not None:
                apply_outcome(row, outcome, outcomes_from)
            rows.append(row)
    return sorted(rows, key=lambda r: (r["state"] != "finished", r["start"]), reverse=True)


def apply_outcome(row: dict, outcome: dict, found_in: str) -> None:
    """Fill a job row from the outcome its run recorded (in a shared store, or logged in
    its job log): the report path on its node, else where the outcome was found."""
    failed = outcome.get("failed_checks")
    row.update(items=outcome.get("items_exported") if isinstance(outcome.get("items_exported"), int) else None,
               healthy=outcome.get("healthy") if isinstance(outcome.get("healthy"), bool) else None,
               failed_checks=[str(name) for name in failed] if isinstance(failed, list) else [],
               feed=str(outcome["feed"]) if outcome.get("feed") else None,
               report=str(outcome.get("report") or found_in))


def format_job_rows(rows: list[dict], looked_in: str | None = None) -> str:
    """The job table; a finished job whose report was not found says where it was looked
    for (`looked_in`, and the row's own `log_problem`: why its log said nothing)."""
    def health(row):
        if row["state"] != "finished":
            return row.get("progress") or "-"
        if row["report"] is None:
            where = f" under {looked_in}" if looked_in else ""
            log = f" ({row['log_problem']})" if row.get("log_problem") else ""
            return f"NO REPORT{where}{log} (failed to start? see its log; --data-dir names where the jobs write)"
        if row["healthy"] is None:
            return "unchecked"
        return "ok" if row["healthy"] else "FAILED: " + ", ".join(row["failed_checks"])

    table = [("STATE", "JOB", "SPIDER", "START", "ITEMS", "HEALTH", "FEED")]
    for row in rows:
        table.append((row["state"], row["job"], row["spider"], row["start"],
                      "-" if row["items"] is None else str(row["items"]), health(row), row["feed"] or "-"))
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]) - 1)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)) + "  " + line[-1]
                     for line in table)
