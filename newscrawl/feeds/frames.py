"""Exported articles as a pandas DataFrame with one type per field, whatever the format
they were written in (no Scrapy import; docs/fields.md, "Loading the feeds in pandas").

pandas guesses column types differently per format: from JSON and CSV a `layout` of
"2023" comes back as an integer (and a "meta" row makes the column mixed), times stay
text, CSV lists are JSON text, while Parquet brings typed times. `read_articles` reads
any feed or export and gives every field its documented type: `published_at` and
`modified_at` tz-aware timestamps in Asia/Seoul, `crawled_at` in UTC, `dateline_date`
a date (None when empty), `revision` and `word_count` int64, the list fields lists, and
every other field text. The files are never rewritten: values stay as they were written.
"""
from __future__ import annotations

import os
from datetime import date

import pandas as pd

from newscrawl.feeds.export import PARQUET_TIMES
from newscrawl.feeds.records import FORMAT_BY_SUFFIX, read_feed
from newscrawl.items import ARTICLE_FIELDS, INT_FIELDS, LIST_FIELDS


def read_articles(path: str | os.PathLike) -> pd.DataFrame:
    """The articles of a feed or export (.jsonl, .json, .csv, .parquet), typed."""
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
    elif suffix in FORMAT_BY_SUFFIX:
        frame = pd.DataFrame(list(read_feed(path, FORMAT_BY_SUFFIX[suffix], LIST_FIELDS, INT_FIELDS)))
    else:
        raise ValueError(f"{path}: not a feed (.jsonl, .json, .csv) nor a .parquet export")
    return typed(frame)


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Every Article field in its documented type (missing columns added empty). A row
    from before 0.4 (no fetched_from, captured_at) was fetched live when it was crawled."""
    frame = frame.reindex(columns=list(ARTICLE_FIELDS))
    frame[["fetched_from", "captured_at"]] = frame[["fetched_from", "captured_at"]].astype(object)
    before_04 = frame["fetched_from"].map(lambda value: _missing(value) or value == "")
    frame.loc[before_04, "fetched_from"] = "live"
    frame.loc[before_04, "captured_at"] = frame.loc[before_04, "crawled_at"]
    for name in ARTICLE_FIELDS:
        column = frame[name]
        if name in PARQUET_TIMES and PARQUET_TIMES[name] is None:
            frame[name] = [_day(value) for value in column]
        elif name in PARQUET_TIMES:
            moments = pd.to_datetime(column.replace("", None), utc=True, errors="coerce", format="ISO8601")
            frame[name] = moments.dt.tz_convert(PARQUET_TIMES[name])
        elif name in INT_FIELDS:
            frame[name] = pd.to_numeric(column, errors="coerce").fillna(0).astype("int64")
        elif name in LIST_FIELDS:
            frame[name] = [_plain_list(value) for value in column]
        else:
            frame[name] = ["" if _missing(value) else str(value) for value in column]
    return frame


def _day(value) -> date | None:
    if _missing(value) or value == "":
        return None
    if isinstance(value, date):
        return value if not hasattr(value, "date") else value.date()
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _plain_list(value) -> list:
    if value is None or (not hasattr(value, "__len__") and _missing(value)):
        return []
    return [dict(item) if isinstance(item, dict) else item for item in list(value)]


def _missing(value) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array: not missing
        return False
