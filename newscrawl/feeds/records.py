"""Records in JSON Lines, JSON or CSV files: written atomically, read back (no Scrapy import).

CSV conventions, shared with the crawl's feed exports (docs/fields.md):
- list cells hold a JSON array (`["a@yna.co.kr"]`), read back with `json.loads`;
- a text cell starting with = + - @ (or a tab or carriage return) is prefixed with
  an apostrophe so spreadsheets do not run it as a formula (OWASP's advice); one
  starting with an apostrophe gets one more, so the round trip is exact;
  `neutralize_formulas=False` turns that off.
"""
from __future__ import annotations

import csv
import fcntl
import glob
import io
import json
import os
import stat
import tempfile
from pathlib import Path
from contextlib import contextmanager
from typing import IO, Callable, Iterable, Iterator, Sequence

FORMAT_BY_SUFFIX = {".jsonl": "jsonl", ".jsonlines": "jsonl", ".json": "json", ".csv": "csv"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A text that itself starts with an apostrophe is guarded too, so reading back (which
# drops one guard apostrophe) returns it exactly.
_GUARDED_STARTS = (*_FORMULA_STARTS, "'")


def format_for_path(path: str | os.PathLike, formats: dict[str, str] = FORMAT_BY_SUFFIX) -> str:
    """The output format implied by a file name (suffix -> format in `formats`);
    ValueError for an unknown suffix."""
    suffix = Path(path).suffix.lower()
    try:
        return formats[suffix]
    except KeyError:
        known = ", ".join(sorted(formats))
        raise ValueError(f"cannot tell the output format of {str(path)!r}: use one of {known}") from None


def csv_cell(value: object, neutralize_formulas: bool = True) -> str:
    """One CSV cell: lists and dicts as JSON, None as "", text guarded against formulas."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    if not isinstance(value, str):
        return str(value)  # a number (-120.5) is no formula: spreadsheets read it as the number it is
    if neutralize_formulas and value.startswith(_GUARDED_STARTS):
        return "'" + value
    return value


def write_records(handle: IO[str], records: Iterable[dict], fmt: str, fields: Sequence[str],
                  neutralize_formulas: bool = True) -> int:
    """Write records to an open text file (newline="") one at a time; returns how many."""
    count = 0
    if fmt == "csv":
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(fields)
        for count, record in enumerate(records, start=1):
            writer.writerow([csv_cell(record.get(k), neutralize_formulas) for k in fields])
    elif fmt == "jsonl":
        for count, record in enumerate(records, start=1):
            handle.write(json.dumps({k: record.get(k) for k in fields}, ensure_ascii=False) + "\n")
    elif fmt == "json":
        handle.write("[")
        for count, record in enumerate(records, start=1):
            handle.write(("," if count > 1 else "") + "\n" + json.dumps({k: record.get(k) for k in fields}, ensure_ascii=False))
        handle.write("\n]\n")
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return count


def render(records: Sequence[dict], fmt: str, fields: Sequence[str], neutralize_formulas: bool = True) -> str:
    """The whole file's text for records in the given format and column order."""
    buffer = io.StringIO()
    write_records(buffer, records, fmt, fields, neutralize_formulas)
    return buffer.getvalue()


def _umask() -> int:
    """The process's umask, read without changing it where Linux tells it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore at once
    os.umask(mask)
    return mask


def _mode_for(target: Path) -> int:
    """The permissions the replaced file gets: the existing file's, else what
    open() would have given a new file (0666 less the umask)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _remove_abandoned(target: Path) -> None:
    """Remove the temporary files of `target` that a killed writer left: those no
    process holds (a writer holds a flock on its own until it is done)."""
    for temp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        try:
            fd = os.open(temp, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            temp.unlink(missing_ok=True)
        except OSError:
            pass  # held: another writer is writing it now
        finally:
            os.close(fd)


@contextmanager
def replacing(path: str | os.PathLike, mode: str = "w") -> Iterator[IO]:
    """A temporary file that replaces `path` (fsynced) only if the block succeeds,
    so readers see the old file or the whole new one. The new file has the old
    one's permissions, or a new file's under the umask (mkstemp's are 0600). A
    temporary file a killed writer left next to `path` is removed by the next one."""
    target = Path(path)
    _remove_abandoned(target)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a name nobody else has: never waits
        os.fchmod(fd, _mode_for(target))
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_atomically(path: str | os.PathLike, text: str) -> None:
    """Write text to path so that readers see the old file or the whole new one."""
    with replacing(path) as handle:
        handle.write(text)


# -- reading feeds back ------------------------------------------------------------
# Scrapy's feed format names and ours.
FEED_FORMATS = {"jsonlines": "jsonl", "jsonl": "jsonl", "json": "json", "csv": "csv"}


def _unguard(text: str) -> str:
    """Undo csv_cell's formula guard ("'=x" -> "=x")."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_GUARDED_STARTS) else text


def _from_csv_row(row: dict, list_fields: Iterable[str], int_fields: Iterable[str]) -> dict:
    record = {k: _unguard(v) for k, v in row.items()}
    for name in list_fields:
        if record.get(name):
            record[name] = json.loads(record[name])
        elif name in record:
            record[name] = []
    for name in int_fields:
        if record.get(name, "") != "":
            record[name] = int(record[name])
    return record


def read_feed(path: str | os.PathLike, fmt: str, list_fields: Iterable[str] = (), int_fields: Iterable[str] = (),
              on_bad: Callable[[str], None] | None = None, start: int = 0) -> Iterator[dict]:
    """The records of a feed file, streamed, also one cut off part-way (a killed
    crawl): a record that does not parse, or is not a JSON object, is reported to
    on_bad and skipped.

    fmt: jsonl, json or csv (Scrapy's names jsonlines too). CSV cells are read the
    way csv_cell wrote them: list fields from JSON, int fields as numbers, the
    formula guard's apostrophe removed. `start`: the byte offset to read from (the
    rows one run appended; a CSV's header is still read from the file's first line).
    """
    kind = FEED_FORMATS.get(fmt)
    if kind is None:
        raise ValueError(f"cannot read feeds in format {fmt!r} (jsonl, json, csv)")
    report = on_bad or (lambda message: None)
    with open(path, encoding="utf-8", newline="" if kind == "csv" else None) as handle:
        if kind == "jsonl":
            handle.seek(start)
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        record = json.loads(line)
                    except ValueError:
                        report(f"{path}: line {number} is not a JSON record")
                        continue
                    if isinstance(record, dict):
                        yield record
                    else:
                        report(f"{path}: line {number} is not a JSON object")
        elif kind == "csv":
            header = next(csv.reader([handle.readline()]), None) if start else None
            if start:
                handle.seek(start)
            reader = csv.DictReader(handle, fieldnames=header)
            try:
                for row in reader:
                    if None in row.values() or None in row:
                        report(f"{path}: line {reader.line_num}: not as many cells as the header (cut off?)")
                        continue
                    try:
                        yield _from_csv_row(row, list_fields, int_fields)
                    except ValueError:
                        report(f"{path}: line {reader.line_num}: a cell does not read back")
            except csv.Error as error:
                report(f"{path}: line {reader.line_num}: {error}")
        else:
            handle.seek(start)
            yield from _json_array_items(handle.read(), str(path), report)


def _json_array_items(text: str, label: str, report: Callable[[str], None]) -> Iterator[dict]:
    """The objects of a JSON array, up to where the text stops making sense."""
    decoder = json.JSONDecoder()
    position = text.find("[")
    if position < 0:
        if text.strip():
            report(f"{label}: not a JSON array")
        return
    position += 1
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return
        try:
            item, position = decoder.raw_decode(text, position)
        except ValueError:
            report(f"{label}: cut off at character {position}")
            return
        if isinstance(item, dict):
            yield item
        else:
            report(f"{label}: an element at character {position} is not a JSON object")
