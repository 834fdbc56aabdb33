"""Files that hold only whole rows (or records), whatever the disk does (no Scrapy import).

A write(2) to a nearly full disk may write part of what it was given and return the
count: Python's unbuffered files hand that short count back without an error, and a
buffered file that "succeeded" may fail at flush. So a row could be cut in the middle
while the writer believes it whole. Here every write is finished or fails loudly
(`write_all`), a file remembers where its last whole row ends (`mark_whole`), and on a
failure it is cut back there (`cut_back`), fsynced, and written no more: it stays a
valid JSON Lines / CSV file (a JSON array gets its closing bracket back), and a row is
never counted that is not whole on disk.
"""
from __future__ import annotations

import io
import os

# What ends a feed of each format after its last whole row.
CLOSING = {"json": b"\n]\n"}


def write_all(descriptor: int, data: bytes | memoryview) -> None:
    """Write every byte (a short write is continued; ENOSPC or any error raises)."""
    view = memoryview(data)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]


def cut_file(path: str | os.PathLike, size: int, fmt: str = "") -> bool:
    """Cut the file at `path` back to `size` bytes (where its last whole row ends) and
    fsync it; a JSON feed gets its closing bracket. False if that bracket would not fit
    (the disk is still full): the rows are whole, the array open."""
    descriptor = os.open(path, os.O_WRONLY)
    try:
        return _cut(descriptor, size, fmt)
    finally:
        os.close(descriptor)


def _cut(descriptor: int, size: int, fmt: str) -> bool:
    os.ftruncate(descriptor, size)
    closed = True
    # A JSON feed cut before its first row lost its opening bracket too.
    if closing := (b"[]\n" if size == 0 else CLOSING.get(fmt)) if fmt == "json" else CLOSING.get(fmt):
        os.lseek(descriptor, size, os.SEEK_SET)
        try:
            write_all(descriptor, closing)
        except OSError:
            os.ftruncate(descriptor, size)
            closed = False
    os.fsync(descriptor)
    return closed


class WholeRowFile(io.RawIOBase):
    """A feed file opened for writing ("wb" or "ab"), written through with write_all.
    The feed exporter marks where each whole row ends; after a failed write it cuts the
    file back there, and the file refuses every later write (an exporter's wrapper that
    still holds part of the failed row cannot add it back when it is closed)."""

    def __init__(self, path: str | os.PathLike, mode: str = "wb"):
        super().__init__()
        flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | (os.O_APPEND if "a" in mode else os.O_TRUNC)
        self.path = os.fspath(path)
        self._descriptor = os.open(self.path, flags, 0o666)
        self.whole = os.lseek(self._descriptor, 0, os.SEEK_END)  # where the last whole row ends
        self.rows = 0  # whole rows written through this file
        self.cut: str | None = None  # why the file was cut back, once it was

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._descriptor

    def tell(self) -> int:
        return os.lseek(self._descriptor, 0, os.SEEK_CUR)

    def write(self, data) -> int:
        if self.cut is not None:
            raise OSError(f"{self.path} was cut back to its last whole row ({self.cut}): written no more")
        write_all(self._descriptor, data)
        return len(data)

    def mark_whole(self, rows: int) -> None:
        """Everything written so far is whole rows, `rows` of them."""
        self.whole, self.rows = self.tell(), rows

    def cut_back(self, why: str, fmt: str = "", size: int | None = None) -> bool:
        """Cut the file back to its last whole row (or to `size`), fsync it, and write no
        more; see cut_file for the return value."""
        self.cut = why
        return _cut(self._descriptor, self.whole if size is None else size, fmt)

    def close(self) -> None:
        if not self.closed:
            os.close(self._descriptor)
        super().close()
