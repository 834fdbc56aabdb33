"""Reading captures back from WARC files written by any tool (no Scrapy import).

Real archives differ from ours: GNU wget writes `WARC-Target-URI: <http://...>` in
angle brackets, CC-NEWS files mix thousands of sites, records may be revisits,
requests or metadata, bodies may still be chunked, and a status line may read
`HTTP/2 200`, which warcio's HTTP parser refuses. So records are read with warcio
without its HTTP parsing, and the HTTP block is parsed here, leniently.

`Captures(path)` yields each HTTP response record as a Capture (URL, WARC-Date,
status, headers, body as stored); `Capture.decoded_body` undoes Content-Encoding.
Damage (a cut-off or corrupt gzip member, garbage) ends the file there: the reader
keeps what came before and says where (`damage`); a file that is no WARC at all
says so (`not_warc`).
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader

from newscrawl.ids import article_id_from_url
from newscrawl.warc.decode import content_encodings, decode_body

_STATUS = re.compile(rb"^HTTP/\S+\s+(\d{3})")


@dataclass
class Capture:
    path: str
    offset: int  # of the response record in the file
    length: int
    url: str
    date: str  # WARC-Date, ISO 8601 UTC
    status: int
    headers: list[tuple[str, str]]
    body: bytes  # as stored: de-chunked, still content-encoded
    # A page captured by another archive (newscrawl.warc.writer.write_capture): where
    # it came from (WARC-Source-URI) and which archive (WARC-Source-Archive).
    source_uri: str = ""
    source_archive: str = ""

    def header(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def decoded_body(self, max_size: int = 0) -> bytes:
        return decode_body(self.body, content_encodings(self.header("Content-Encoding")), max_size)

    @classmethod
    def of_record(cls, path: str, offset: int, length: int, record, parsed: tuple) -> "Capture":
        """The Capture of a warcio record whose HTTP block `parse_http_block` parsed."""
        headers = record.rec_headers
        return cls(path, offset, length, target_uri(headers.get_header("WARC-Target-URI")),
                   headers.get_header("WARC-Date") or "", *parsed,
                   source_uri=headers.get_header("WARC-Source-URI") or "",
                   source_archive=headers.get_header("WARC-Source-Archive") or "")


def _begins_with_warc(path: str | os.PathLike) -> bool:
    """True if the file (gzipped or not) starts with a WARC record's version line.
    warcio would read many other texts as ARC records."""
    with open(path, "rb") as handle:
        head = handle.read(512)
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16)
        except zlib.error:
            return False
    return head.lstrip(b"\r\n").startswith(b"WARC/")


def _read_block(stream, keep: bool, limit: int | None = None) -> tuple[bytes | None, int]:
    """A record's block and its size, streamed: kept only if wanted (other sites' bodies
    are never held) and only up to `limit` bytes (a record that inflates past it, a gzip
    bomb, gives None); the rest is read and dropped, to find the record's end."""
    parts, size = [], 0
    while chunk := stream.read(1024 * 1024):
        size += len(chunk)
        if keep and (limit is None or size <= limit):
            parts.append(chunk)
        elif keep:
            keep, parts = False, None
    return (b"".join(parts) if parts is not None else None), size


def _next_record(handle, start: int, gzipped: bool) -> int | None:
    """Where the next record that looks whole begins at or after `start` (a gzip member
    whose text begins "WARC/", or a "WARC/1." line), read in 1 MB steps; None if none."""
    marker = b"\x1f\x8b\x08" if gzipped else b"WARC/1."
    position = start
    while True:
        handle.seek(position)
        chunk = handle.read(1024 * 1024 + len(marker))
        if len(chunk) < len(marker):
            return None
        found = chunk.find(marker)
        while 0 <= found <= 1024 * 1024:
            candidate = position + found
            handle.seek(candidate)
            head = handle.read(4096)
            if gzipped:
                try:
                    head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16)
                except zlib.error:
                    head = b""
            if head.startswith(b"WARC/") and (gzipped or candidate == 0 or _line_start(handle, candidate)):
                return candidate
            found = chunk.find(marker, found + 1)
        position += 1024 * 1024


def _line_start(handle, offset: int) -> bool:
    handle.seek(offset - 1)
    return handle.read(1) == b"\n"


def target_uri(value: str | None) -> str:
    """A WARC-Target-URI, without the angle brackets GNU wget writes around it."""
    value = (value or "").strip()
    return value[1:-1].strip() if value.startswith("<") and value.endswith(">") else value


def parse_http_block(block: bytes) -> tuple[int, list[tuple[str, str]], bytes] | None:
    """(status, headers, body) of an HTTP response block; None if it is not one."""
    end = block.find(b"\r\n\r\n")
    separator = 4
    if end < 0:
        end, separator = block.find(b"\n\n"), 2
    if end < 0:
        end, separator = len(block), 0
    head = block[:end].split(b"\n")
    match = _STATUS.match(head[0].strip()) if head else None
    if not match:
        return None
    headers = []
    for line in head[1:]:
        name, colon, value = line.decode("latin-1").strip().partition(":")
        if colon and name.strip():
            headers.append((name.strip(), value.strip()))
    body = block[end + separator:]
    if any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in headers):
        body = ChunkedDataReader(io.BytesIO(body)).read()
    return int(match.group(1)), headers, body


@dataclass
class Captures:
    """The HTTP response records of one WARC file, as Captures, streamed.

    `wanted(target URI)` says which responses' bodies to keep (default: all); the others
    are read through and dropped. `max_block` bounds a kept record's block (its HTTP
    headers and body as stored): one over it is dropped and counted (`too_large`).
    Damage ends the records there, and reading resumes at the next record that begins
    whole (the next gzip member, or "WARC/1." line): `damage` says where each was."""

    path: str | os.PathLike
    wanted: Callable[[str], bool] | None = None
    max_block: int | None = None
    records: int = field(default=0, init=False)  # WARC records read, of every type
    damaged: list[str] = field(default_factory=list, init=False)  # "offset N: what went wrong", each
    not_warc: bool = field(default=False, init=False)
    too_large: int = field(default=0, init=False)  # wanted records over max_block, dropped
    bytes_read: int = field(default=0, init=False)  # of the file, so far

    @property
    def damage(self) -> str | None:
        """The damage found, on one line (the first three places, and how many more)."""
        if not self.damaged:
            return None
        more = f"; and {len(self.damaged) - 3} more" if len(self.damaged) > 3 else ""
        return "; ".join(self.damaged[:3]) + more

    def __iter__(self) -> Iterator[Capture]:
        if not _begins_with_warc(self.path):
            self.not_warc = True
            self.damaged.append("offset 0: it does not begin with a WARC record")
            self.bytes_read = os.path.getsize(self.path)
            return
        size = os.path.getsize(self.path)
        with open(self.path, "rb") as handle:
            gzipped = handle.read(2) == b"\x1f\x8b"
            start: int | None = 0
            while start is not None and start < size:
                handle.seek(start)
                end, error = yield from self._records(handle, start, size)
                if error is None:
                    break
                self.damaged.append(f"offset {end}: {error}")
                start = _next_record(handle, max(end, start) + 1, gzipped)
        self.bytes_read = size

    def _records(self, handle, base: int, size: int):
        """The captures from `base` on; returns (where whole records end, the damage
        that ended them or None)."""
        iterator = ArchiveIterator(handle, no_record_parse=True, check_digests=False)
        records = iter(iterator)
        position = base
        # warcio writes what it finds wrong to stderr itself: caught, and made part
        # of the one line that reports the damage.
        complaints = io.StringIO()
        try:
            while True:
                with contextlib.redirect_stderr(complaints):
                    record = next(records, None)
                    if record is None:
                        if position < size:  # what follows the last whole record is none
                            raise ValueError(f"{size - position} bytes at the end are no whole record")
                        return position, None
                    self.records += 1
                    declared = (record.rec_headers.get_header("Content-Length") or "").strip()
                    if not declared.isdigit():  # -5, abc: warcio would read on from a wrong place
                        raise ValueError(f"record with Content-Length {declared[:20]!r}")
                    # The block first: asking warcio for the offset reads the record to its end.
                    wanted = record.rec_type == "response" and record.format == "warc" and (
                        self.wanted is None or self.wanted(target_uri(record.rec_headers.get_header("WARC-Target-URI"))))
                    block, length_read = _read_block(record.raw_stream, wanted, self.max_block)
                    if complaints.getvalue() or (record.length is not None and not 0 <= record.length <= length_read):
                        said = " ".join(complaints.getvalue().split())
                        raise ValueError(f"record cut off or corrupt: {length_read} of its {record.length} bytes read"
                                         + (f" ({said})" if said else ""))
                    iterator.read_to_end(record)
                    offset, length = base + iterator.get_record_offset(), iterator.get_record_length()
                if offset < position or length <= 0:
                    raise ValueError(f"record read at offset {offset} after the one ending at {position}")
                position = offset + length
                self.bytes_read = handle.tell()
                if wanted and block is None:
                    self.too_large += 1
                    continue
                parsed = parse_http_block(block) if wanted else None
                if parsed is not None:
                    yield Capture.of_record(str(self.path), offset, length, record, parsed)
        except Exception as error:  # noqa: BLE001 - any damage ends the records here
            message = " ".join(str(error).split())[:200] or type(error).__name__
            if self.records <= 1 and position == 0:
                self.not_warc = True
            return position, message


def warc_files(paths: list[str | os.PathLike]) -> tuple[list[str], list[str]]:
    """The WARC files among `paths` (files as given; directories searched for *.warc
    and *.warc.gz), and the paths that do not exist."""
    found, missing = [], []
    for path in map(str, paths):
        if os.path.isdir(path):
            for root, _, names in sorted(os.walk(path)):
                found += [os.path.join(root, name) for name in sorted(names) if name.endswith((".warc", ".warc.gz"))]
        elif os.path.isfile(path):
            found.append(path)
        else:
            missing.append(path)
    return found, missing


# The most `capture_at` reads for one record: a store row claiming more is not ours.
MAX_CAPTURE_BYTES = 64 * 1024 * 1024


def capture_at(path: str, offset: int, length: int) -> Capture:
    """The response record at `offset` in a WARC file (one this crawler wrote: if the
    crawl is still running or was killed, the file still has its `.open` name).
    ValueError, one line, for anything that is not a whole response record there: a
    location outside the file, a length past MAX_CAPTURE_BYTES, a damaged record."""
    from newscrawl.warc.writer import OPEN_SUFFIX

    name = path if os.path.exists(path) or not os.path.exists(path + OPEN_SUFFIX) else path + OPEN_SUFFIX
    size = os.path.getsize(name)
    if not (0 <= offset < size and 0 < length <= min(size - offset, MAX_CAPTURE_BYTES)):
        raise ValueError(f"no record of {length} bytes at offset {offset} in a file of {size} bytes")
    with open(name, "rb") as handle:
        handle.seek(offset)
        data = handle.read(length)
    return capture_of_bytes(data, f"{name}@{offset}", offset, length)


def capture_of_bytes(data: bytes, label: str, offset: int = 0, length: int | None = None,
                     max_block: int = MAX_CAPTURE_BYTES) -> Capture:
    """The response record that `data` holds (one record, gzipped or not), labelled
    `label` as its path. ValueError, one line, for a cut or damaged record, one that is
    no HTTP response, or one whose block decompresses to more than `max_block` bytes (a
    gzip bomb is never inflated whole)."""
    complaints = io.StringIO()
    try:
        with contextlib.redirect_stderr(complaints):
            for record in ArchiveIterator(io.BytesIO(data), no_record_parse=True, check_digests=False):
                block = record.raw_stream.read(max_block + 1)
                if len(block) > max_block:
                    raise ValueError(f"the record holds more than {max_block} bytes")
                if record.length is not None and len(block) < record.length:
                    raise ValueError(f"the record is cut off: {len(block)} of its {record.length} bytes")
                parsed = parse_http_block(block) if record.rec_type == "response" else None
                if parsed is None:
                    break
                return Capture.of_record(label, offset, len(data) if length is None else length, record, parsed)
    except ValueError:
        raise
    except Exception as error:  # noqa: BLE001 - warcio and zlib say "damaged" in many ways
        said = " ".join((str(error) or type(error).__name__).split())[:200]
        raise ValueError(f"the record there is damaged ({said})") from None
    raise ValueError("no HTTP response record there")


def one_gzip_member(data: bytes, max_size: int = MAX_CAPTURE_BYTES) -> str | None:
    """Why `data` is not exactly one whole gzip member (a Common Crawl record as a
    byte range gives it) of at most `max_size` bytes decompressed, or None when it is."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    inflated = 0
    try:
        while data:
            inflated += len(decompressor.decompress(data, 1 << 20))
            if inflated > max_size:
                return f"more than {max_size} bytes once decompressed"
            data = decompressor.unconsumed_tail
    except zlib.error as error:
        return f"not gzip ({error})"
    if not decompressor.eof:
        return "a gzip member cut off before its end"
    if decompressor.unused_data:
        return f"{len(decompressor.unused_data)} bytes after the gzip member"
    return None


def article_locations(paths: list[str | os.PathLike]) -> dict[str, tuple[str, int, int]]:
    """article_id -> (file, offset, length) of the last 200 response for it in these
    WARC files (a crawl's own, in the order it wrote them); damage ends a file there."""
    found = {}
    for path in paths:
        for capture in Captures(path):
            article_id = article_id_from_url(capture.url) if capture.status == 200 else None
            if article_id:
                found[article_id] = (capture.path, capture.offset, capture.length)
    return found
