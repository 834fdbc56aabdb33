"""`newscrawl export`: the exported articles as one file, from the state store or
from feed files; with `latest`, one row per story (no Scrapy import).

A story (story_id) is exported once per version: the original, then (LEAD), (2nd LD)...
Counting stories means counting one row each: its highest revision, ties broken by
the later published_at, then the greater article_id (the state store uses the same rule).
"""
from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Iterator

from newscrawl.items import ARTICLE_FIELDS, INT_FIELDS, LIST_FIELDS, is_article_record
from newscrawl.feeds.records import FORMAT_BY_SUFFIX, format_for_path, read_feed, replacing, write_records
from newscrawl.revisions.chains import CHANGE_COLUMNS

EXPORT_FORMATS = {**FORMAT_BY_SUFFIX, ".parquet": "parquet"}


def export_format(path: str | os.PathLike) -> str:
    return format_for_path(path, EXPORT_FORMATS)


def _version_key(record: dict) -> tuple:
    return (int(record.get("revision") or 0), record.get("published_at") or "", record.get("article_id") or "")


def _row_order(record: dict) -> tuple:
    return (record.get("published_at") or "", record.get("story_id") or "", *_version_key(record))


def select_records(records: Iterable[dict], latest: bool) -> list[dict]:
    """Rows from feed files: each article version once (the last crawled copy), or
    with latest=True each story once (its highest revision); in published order."""
    versions: dict[str, dict] = {}
    for record in records:
        article_id = record.get("article_id")
        if not article_id:
            continue
        known = versions.get(article_id)
        if known is None or (record.get("crawled_at") or "") >= (known.get("crawled_at") or ""):
            versions[article_id] = record
    chosen = versions.values()
    if latest:
        stories: dict[str, dict] = {}
        for record in chosen:
            story = record.get("story_id") or record["article_id"][:15]
            if story not in stories or _version_key(record) > _version_key(stories[story]):
                stories[story] = record
        chosen = stories.values()
    return sorted(chosen, key=_row_order)


def read_feed_files(paths: Iterable[str | os.PathLike], on_bad) -> Iterator[dict]:
    """The records of feed files (.jsonl, .json, .csv by suffix)."""
    for path in paths:
        fmt = FORMAT_BY_SUFFIX.get(Path(path).suffix.lower())
        if fmt is None:
            raise ValueError(f"{path}: not a feed file (.jsonl, .json or .csv)")
        for number, row in enumerate(read_feed(path, fmt, LIST_FIELDS, INT_FIELDS, on_bad=on_bad), start=1):
            if is_article_record(row):
                yield row
            else:
                on_bad(f"{path}: record {number} has no valid article_id or revision")


# Parquet columns that are times and dates, typed so pandas, DuckDB and Spark read them
# as such (the text feeds keep ISO 8601): field -> Arrow time zone, or None for a date.
PARQUET_TIMES = {"published_at": "Asia/Seoul", "modified_at": "Asia/Seoul", "crawled_at": "UTC", "captured_at": "UTC",
                 "dateline_date": None}


def _parquet_value(name: str, value):
    if name not in PARQUET_TIMES:
        return value
    if not value:
        return None  # an empty time or date is missing, not a string
    try:
        return date.fromisoformat(value) if PARQUET_TIMES[name] is None else datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None  # not a time (a hand-edited feed): missing in a typed column


def _pyarrow():
    try:
        import pyarrow
    except ImportError:
        raise ValueError("writing .parquet needs pyarrow: pip install 'newscrawl[parquet]'") from None
    return pyarrow


def _parquet_table(records: Iterable[dict]):
    pa = _pyarrow()
    text = pa.string()
    types = {name: text for name in ARTICLE_FIELDS}
    types.update(revision=pa.int64(), word_count=pa.int64(), keywords=pa.list_(text), author_emails=pa.list_(text),
                 related_ids=pa.list_(text), photos=pa.list_(pa.struct([("url", text), ("caption", text)])))
    types.update({name: pa.date32() if zone is None else pa.timestamp("us", tz=zone) for name, zone in PARQUET_TIMES.items()})
    schema = pa.schema([(name, types[name]) for name in ARTICLE_FIELDS])
    rows = [{k: _parquet_value(k, r.get(k)) for k in ARTICLE_FIELDS} for r in records]
    return pa.Table.from_pylist(rows, schema=schema)


def _write_rows(path: str | os.PathLike, rows: Iterable[dict], fields, parquet_table, neutralize_formulas: bool) -> int:
    """Write rows to path (format by suffix) atomically, Parquet through `parquet_table`
    (rows -> a typed table); returns how many."""
    fmt = export_format(path)
    if fmt == "parquet":
        table = parquet_table(rows)
        import pyarrow.parquet as pq

        with replacing(path, "wb") as handle:
            pq.write_table(table, handle)
        return table.num_rows
    with replacing(path) as handle:
        return write_records(handle, rows, fmt, fields, neutralize_formulas)


def write_export(path: str | os.PathLike, records: Iterable[dict], neutralize_formulas: bool = True) -> int:
    """Write records to path (format by suffix) atomically; returns how many."""
    return _write_rows(path, records, ARTICLE_FIELDS, _parquet_table, neutralize_formulas)


def _changes_table(rows: Iterable[dict]):
    pa = _pyarrow()
    types = dict.fromkeys(CHANGE_COLUMNS, pa.string())
    types.update({name: pa.int64() for name in ("from_version", "to_version", "added", "removed", "changed",
                                                "words_added", "words_removed", "photos_added", "photos_removed",
                                                "keywords_added", "keywords_removed", "note_paragraphs")})
    types.update(minutes=pa.float64(), headline_changed=pa.bool_(), note_agrees=pa.bool_(),
                 published_at=pa.timestamp("us", tz="Asia/Seoul"))
    schema = pa.schema([(name, types[name]) for name in CHANGE_COLUMNS])
    return pa.Table.from_pylist([{**row, "published_at": _parquet_value("published_at", row["published_at"])}
                                 for row in rows], schema=schema)


def write_changes(path: str | os.PathLike, rows: Iterable[dict], neutralize_formulas: bool = True) -> int:
    """Write change rows (newscrawl.revisions.chains.change_row) to path, format by
    suffix (.csv, .jsonl, .json, .parquet), atomically; returns how many."""
    return _write_rows(path, rows, CHANGE_COLUMNS, _changes_table, neutralize_formulas)
