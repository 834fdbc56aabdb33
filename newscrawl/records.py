"""Writing records to JSON Lines, JSON or CSV files, atomically (no Scrapy import).

CSV conventions, shared with the crawl's feed exports (docs/fields.md):
- list cells hold a JSON array (`["a@yna.co.kr"]`), read back with `json.loads`;
- a text cell starting with = + - @ (or a tab or carriage return) is prefixed with
  an apostrophe so spreadsheets do not run it as a formula (OWASP's advice);
  `neutralize_formulas=False` turns that off.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Sequence

FORMAT_BY_SUFFIX = {".jsonl": "jsonl", ".jsonlines": "jsonl", ".json": "json", ".csv": "csv"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def format_for_path(path: str | os.PathLike) -> str:
    """The output format implied by a file name; ValueError for an unknown suffix."""
    suffix = Path(path).suffix.lower()
    try:
        return FORMAT_BY_SUFFIX[suffix]
    except KeyError:
        known = ", ".join(sorted(FORMAT_BY_SUFFIX))
        raise ValueError(f"cannot tell the output format of {str(path)!r}: use one of {known}") from None


def csv_cell(value: object, neutralize_formulas: bool = True) -> str:
    """One CSV cell: lists and dicts as JSON, None as "", text guarded against formulas."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    text = value if isinstance(value, str) else str(value)
    if neutralize_formulas and text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def render(records: Sequence[dict], fmt: str, fields: Sequence[str], neutralize_formulas: bool = True) -> str:
    """The whole file's text for records in the given format and column order."""
    if fmt == "jsonl":
        return "".join(json.dumps({k: r.get(k) for k in fields}, ensure_ascii=False) + "\n" for r in records)
    if fmt == "json":
        return json.dumps([{k: r.get(k) for k in fields} for r in records], ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(fields)
        for record in records:
            writer.writerow([csv_cell(record.get(k), neutralize_formulas) for k in fields])
        return buffer.getvalue()
    raise ValueError(f"unknown format {fmt!r}")


def write_atomically(path: str | os.PathLike, text: str) -> None:
    """Write text to path so that readers see the old file or the whole new one."""
    target = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
