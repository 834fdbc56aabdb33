"""Writing WARC files: warcio's WARCWriter in files named and rotated the IIPC way.

A file is `<prefix>-<UTC time to the millisecond>-<serial>-<pid>~<host>.warc.gz` (Heritrix's
template: crawls running at once in one directory never pick the same name), written as
`<name>.open` and renamed once complete (rotation at `max_size` bytes, or close).
Each file opens with a warcinfo record. A crawl killed part-way leaves a `.open`
file whose last record may be cut: `seal_open_files` cuts it back to its last
complete record and renames it, so every file in the directory is a whole WARC.

The writer holds a flock on its `.open` file for as long as it writes it (taken on a
`.opening` name first, then renamed, so no one ever sees an unheld `.open` file of a
live writer), and only a file no one holds is sealed: a crawl never seals the file
another crawl in the same directory is writing.

Each record is one gzip member (the .warc.gz convention every reader expects),
compressed by ISA-L (`isal`) at levels 0-3 (2 by default: a ninth of zlib's level-6
time on HTML for files about 13% larger) or by zlib at levels 4-9 (`gzip_level`). A
response whose body came content-encoded (gzip, br, zstd, deflate: the live site
sends gzip) is kept as it came, Content-Encoding and all, so its payload is already
compressed: its member holds it in stored deflate blocks, not compressed a second
time (a valid gzip member: every reader inflates it; what it costs is a CRC).

Every record is written in full or fails (newscrawl.feeds.durable.write_all: a full
disk can cut a write short). A file gets its final name only when every record in it
is whole: when a write fails (ENOSPC, EIO), the file is cut back to its last whole
exchange, fsynced and renamed, and the writer writes no more (`broken` says why:
ArchiveUnwritable for each exchange after). (No Scrapy import.)
"""
from __future__ import annotations

import errno
import io
import logging
import os
import socket
import time
import zlib
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import Callable, Iterable, NamedTuple
from urllib.parse import urlsplit

from isal import isal_zlib
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl.feeds.durable import write_all
from newscrawl.state.locks import FileLock, held_elsewhere

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
OPENING_SUFFIX = ".opening"  # a new file before its writer holds its lock
WARC_SUFFIX = ".warc.gz"
# Hop-by-hop or no longer true of the stored body: Scrapy hands over the body already
# de-chunked, so a Transfer-Encoding header would make readers de-chunk it again.
_DROPPED_RESPONSE_HEADERS = {"transfer-encoding"}
GZIP_LEVELS = range(0, 10)  # 0-3: ISA-L's levels; 4-9: zlib's
DEFAULT_GZIP_LEVEL = 2
_GZIP_WBITS = 16 + zlib.MAX_WBITS  # a gzip member (header and trailer), not a zlib stream
# Codings that leave a body compressed already: a second compression gains nothing.
_COMPRESSED_CODINGS = ("gzip", "x-gzip", "br", "zstd", "deflate", "compress")


def gzip_member(data, level: int) -> bytes:
    """`data` as one gzip member: ISA-L at levels 0-3, zlib at 4-9, and with level None
    zlib's stored (uncompressed) blocks, for data that is compressed already."""
    if level is None:
        return zlib.compress(data, 0, _GZIP_WBITS)
    if level <= 3:
        return isal_zlib.compress(data, level, _GZIP_WBITS)
    return zlib.compress(data, level, _GZIP_WBITS)


def is_content_encoded(headers: Iterable[tuple[str, str]], body: bytes) -> bool:
    """True when the body is compressed by a Content-Encoding it came with."""
    return bool(body) and any(name.lower() == "content-encoding" and value.strip().lower() in _COMPRESSED_CODINGS
                              for name, value in headers)


class Location(NamedTuple):
    """Where a record is: the WARC file (final name), its offset and length in bytes."""

    path: str
    offset: int
    length: int


def status_line(status: int) -> str:
    """'200 OK' (Scrapy keeps no raw status line: the reason comes from the code)."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


class ArchiveUnwritable(OSError):
    """The archive cannot be written any more (the disk is full, ...); str() says why."""


def why_unwritable(error: OSError) -> str:
    """What a user is told of a page that was not archived."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk was full"
    return f"the archive could not be written ({error.strerror or error})"


class ArchiveWriter:
    """Writes request/response pairs into rotating gzipped WARC/1.1 files in `directory`."""

    def __init__(self, directory: str | os.PathLike, prefix: str = "newscrawl", max_size: int = 1024 ** 3,
                 info: dict[str, str] | None = None, gzip_level: int = DEFAULT_GZIP_LEVEL, on_open=None):
        if gzip_level not in GZIP_LEVELS:
            raise ValueError(f"gzip level {gzip_level!r}: 0-3 (ISA-L, fast) or 4-9 (zlib, smaller files)")
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_size = max_size
        self.info = dict(info or {})
        self.gzip_level = gzip_level
        self.host = socket.gethostname() or "localhost"
        self.serial = 0
        self._descriptor: int | None = None
        self._size = 0  # bytes in the current file
        self._whole = 0  # where its last whole exchange ends
        self.broken: str | None = None  # why the archive writes no more (why_unwritable)
        self._writer: WARCWriter | None = None
        self.path: Path | None = None  # the final name of the file being written
        self.files_written: list[Path] = []
        self.on_open = on_open  # called with each new file's final name before anything is written to it
        self._lock: FileLock | None = None

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")[:17]
        self.path = self.directory / f"{self.prefix}-{stamp}-{self.serial:05d}-{os.getpid()}~{self.host}{WARC_SUFFIX}"
        self.serial += 1
        if self.on_open is not None:
            self.on_open(str(self.path))
        opening = str(self.path) + OPENING_SUFFIX
        self._descriptor = os.open(opening, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        self._size = self._whole = 0
        self._lock = FileLock(opening, create=False)
        self._lock.acquire()  # a name nobody else uses: never refused
        os.replace(opening, str(self.path) + OPEN_SUFFIX)  # the lock stays on the file, whatever its name
        # Records are written uncompressed into a buffer, then gzipped here, one member each.
        self._buffer = io.BytesIO()
        self._writer = WARCWriter(self._buffer, gzip=False, warc_version="1.1")
        self._write(self._writer.create_warcinfo_record(self.path.name, self.info))
        self._whole = self._size

    def _write(self, record, compressed: bool = False) -> None:
        """Write one record as one gzip member; `compressed`: its payload is compressed
        already (stored, not compressed again)."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.write_record(record)
        with self._buffer.getbuffer() as block:
            member = gzip_member(block, None if compressed else self.gzip_level)
        write_all(self._descriptor, member)
        self._size += len(member)

    def write_exchange(self, url: str, method: str, request_headers: Iterable[tuple[str, str]], status: int,
                       response_headers: Iterable[tuple[str, str]], body: bytes, ip_address: str | None = None,
                       protocol: str = "HTTP/1.1") -> Location:
        """Write one HTTP exchange as a request + response record pair; returns where the
        response record is. `body` is the response body as received (content-encoded)."""
        return self._guarded(lambda: self._write_pair(url, method, request_headers, status, response_headers, body,
                                                      ip_address, protocol))

    def write_capture(self, url: str, status: int, response_headers: Iterable[tuple[str, str]], body: bytes,
                      captured: str, source_uri: str, archive: str) -> Location:
        """Write a page another archive captured, as one response record under its
        original URI, dated when it was captured (`captured`: a WARC-Date,
        2019-01-05T03:04:05Z), naming where it came from: WARC-Source-URI (the replay
        URL or the archive's WARC file and range) and WARC-Source-Archive (wayback,
        commoncrawl or the collection URL). No request record: we never sent one."""
        return self._guarded(lambda: self._write_capture(url, status, response_headers, body, captured, source_uri,
                                                         archive))

    def _guarded(self, write: Callable[[], Location]) -> Location:
        """Run one write into the current file (opened first when none is): a failed
        write cuts the file back and breaks the writer (ArchiveUnwritable); a full file
        is closed so the next write opens the next one."""
        if self.broken:
            raise ArchiveUnwritable(self.broken)
        try:
            if self._writer is None:
                self._open()
            location = write()
        except ArchiveUnwritable:
            raise
        except OSError as error:
            self._give_up(error)
            raise ArchiveUnwritable(self.broken) from error
        if self._size >= self.max_size:
            self.close()
        return location

    def _write_capture(self, url, status, response_headers, body, captured, source_uri, archive) -> Location:
        kept = [(k, v) for k, v in response_headers if k.lower() not in _DROPPED_RESPONSE_HEADERS]
        record = self._writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body),
            warc_headers_dict={"WARC-Date": captured, "WARC-Source-URI": source_uri, "WARC-Source-Archive": archive},
            http_headers=StatusAndHeaders(status_line(status), kept, protocol="HTTP/1.1"))
        start = self._size
        self._write(record, is_content_encoded(kept, body))
        self._whole = self._size
        return Location(str(self.path), start, self._size - start)

    def _write_pair(self, url, method, request_headers, status, response_headers, body, ip_address,
                    protocol) -> Location:
        writer = self._writer
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request_list = [("Host", parts.netloc), *((k, v) for k, v in request_headers if k.lower() != "host")]
        request = writer.create_warc_record(
            url, "request", payload=io.BytesIO(b""), length=0,
            http_headers=StatusAndHeaders(f"{method} {target} {protocol}", request_list, is_http_request=True))
        kept = [(k, v) for k, v in response_headers if k.lower() not in _DROPPED_RESPONSE_HEADERS]
        extra = {"WARC-IP-Address": ip_address} if ip_address else {}
        response = writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body), warc_headers_dict=extra,
            http_headers=StatusAndHeaders(status_line(status), kept, protocol=protocol))
        if ip_address:
            request.rec_headers.add_header("WARC-IP-Address", ip_address)
        start = self._size
        self._write(response, is_content_encoded(kept, body))
        end = self._size
        request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID"))
        self._write(request)
        self._whole = self._size
        return Location(str(self.path), start, end - start)

    def _give_up(self, error: OSError) -> None:
        """A write failed: the file is cut back to its last whole exchange and sealed
        (removed if not even its warcinfo record is whole); nothing more is written."""
        self.broken = why_unwritable(error)
        logger.warning("WARC file %s cannot be written (%s): cut back to its last whole record and sealed",
                       self.path, error.strerror or error)
        if self._descriptor is not None:
            self._finish(cut_to=self._whole)

    def close(self) -> None:
        """Finish the current file: flush it to disk and give it its final name."""
        if self._descriptor is None:
            return
        try:
            self._finish()
        except OSError as error:  # an fsync on a full disk: cut back to what is whole, then sealed
            self._give_up(error)

    def _finish(self, cut_to: int | None = None) -> None:
        descriptor, self._descriptor = self._descriptor, None
        final, open_name = self.path, str(self.path) + OPEN_SUFFIX
        try:
            if cut_to is not None:
                os.ftruncate(descriptor, cut_to)
            os.fsync(descriptor)
        except OSError:
            if cut_to is None:
                self._descriptor = descriptor  # _give_up cuts it back and finishes it
                raise
        if (cut_to if cut_to is not None else self._size) == 0:
            os.unlink(open_name)  # not even its warcinfo record is whole
        else:
            os.replace(open_name, final)
            self.files_written.append(final)
        os.close(descriptor)
        self._lock.release()
        self._writer = self._lock = None


def seal_open_files(directory: str | os.PathLike) -> list[tuple[Path, int]]:
    """Cut each `.open` WARC a killed writer left in `directory` back to its last
    complete record and give it its final name; returns (file, bytes cut) for each.
    Files a live writer holds are left alone."""
    sealed = []
    root = Path(directory)
    if not root.is_dir():
        return sealed
    for path in sorted(root.glob(f"*{WARC_SUFFIX}{OPENING_SUFFIX}")):
        # A writer renames its new file within microseconds of making it: one a minute
        # old that no one holds is a killed writer's, before its first record.
        try:
            stale = time.time() - path.stat().st_mtime > 60
        except FileNotFoundError:
            continue
        if stale and not held_elsewhere(path):
            path.unlink(missing_ok=True)
    for path in sorted(root.glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}")):
        if (done := seal_open_file(path.with_name(path.name[: -len(OPEN_SUFFIX)]))) is not None:
            sealed.append(done)
    return sealed


def seal_open_file(final: str | os.PathLike) -> tuple[Path, int] | None:
    """Seal the `.open` file of the WARC `final` if no writer holds it: cut back to its
    last complete record and renamed to `final` (removed when not even its warcinfo
    record is whole). (final, bytes cut), or None when there is no such file or a
    live writer holds it."""
    final = Path(final)
    path = final.with_name(final.name + OPEN_SUFFIX)
    lock = FileLock(path, create=False)
    try:
        if not lock.acquire():
            return None
    except FileNotFoundError:
        return None
    try:
        good = complete_length(path)
        size = path.stat().st_size
        with open(path, "r+b") as handle:
            handle.truncate(good)
            handle.flush()
            os.fsync(handle.fileno())
        if good == 0:
            path.unlink()  # not even its warcinfo record was whole
        else:
            os.replace(path, final)
    finally:
        lock.release()
    logger.warning("WARC file %s left open by an interrupted crawl: sealed, %d bytes of a cut-off record removed",
                   final, size - good)
    return final, size - good


def complete_length(path: str | os.PathLike) -> int:
    """How many leading bytes of a gzipped WARC are whole records."""
    good = 0
    with open(path, "rb") as handle:
        records = ArchiveIterator(handle, check_digests=False)
        try:
            for record in records:
                records.read_to_end(record)
                good = records.get_record_offset() + records.get_record_length()
        except Exception:  # noqa: BLE001 - any damage ends the whole records there
            pass
    return good
