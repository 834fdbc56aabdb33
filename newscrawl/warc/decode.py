"""HTTP bodies as Scrapy's HttpCompressionMiddleware leaves them: Content-Encoding
(gzip, x-gzip, deflate, br, zstd, several in a row) undone, last applied first, and
never past `max_size` bytes (a compression bomb in an archive is refused as on the
wire). warcio decodes none of br and zstd, which Scrapy 2.19 asks sites for.
(No Scrapy import: the same libraries Scrapy uses.)
"""
from __future__ import annotations

import io
import zlib

try:
    import brotli
except ImportError:  # pragma: no cover - Scrapy depends on one of the two
    import brotlicffi as brotli
try:
    from compression import zstd  # Python 3.14
except ImportError:
    from backports import zstd

_CHUNK = 64 * 1024


class TooLarge(ValueError):
    """The decoded body would exceed the size limit."""


class UnknownEncoding(ValueError):
    """A Content-Encoding this reader does not decode."""


def _capped(chunks, max_size: int) -> bytes:
    out = io.BytesIO()
    for chunk in chunks:
        out.write(chunk)
        if max_size and out.tell() > max_size:
            raise TooLarge(f"more than {max_size} bytes once decoded")
    return out.getvalue()


def _zlib_chunks(data: bytes, wbits: int):
    while True:
        decompressor = zlib.decompressobj(wbits)
        yield decompressor.decompress(data, _CHUNK)
        while decompressor.unconsumed_tail and not decompressor.eof:
            yield decompressor.decompress(decompressor.unconsumed_tail, _CHUNK)
        # gzip files may hold several members one after the other
        data = decompressor.unused_data
        if not (decompressor.eof and data and wbits == 16 + zlib.MAX_WBITS):
            return


def _inflate_chunks(data: bytes):
    try:
        yield from _zlib_chunks(data, zlib.MAX_WBITS)
    except zlib.error:  # raw deflate, as some servers send it
        yield from _zlib_chunks(data, -zlib.MAX_WBITS)


def _brotli_chunks(data: bytes):
    decompressor = brotli.Decompressor()
    yield decompressor.process(data, output_buffer_limit=_CHUNK)
    while not decompressor.is_finished():
        chunk = decompressor.process(b"", output_buffer_limit=_CHUNK)
        if not chunk:
            break
        yield chunk


def _zstd_chunks(data: bytes):
    reader = zstd.ZstdFile(io.BytesIO(data))
    while True:
        try:
            chunk = reader.read(_CHUNK)
        except EOFError:  # a cut-off frame: keep what came
            return
        if not chunk:
            return
        yield chunk


_DECODERS = {
    "gzip": lambda data: _zlib_chunks(data, 16 + zlib.MAX_WBITS),
    "x-gzip": lambda data: _zlib_chunks(data, 16 + zlib.MAX_WBITS),
    "deflate": _inflate_chunks,
    "br": _brotli_chunks,
    "zstd": _zstd_chunks,
}


def content_encodings(header_values: list[str]) -> list[str]:
    """The codings of Content-Encoding header values, in the order they were applied."""
    codings = []
    for value in header_values:
        codings += [part.strip().lower() for part in value.split(",") if part.strip()]
    return [coding for coding in codings if coding != "identity"]


def decode_body(body: bytes, codings: list[str], max_size: int = 0) -> bytes:
    """The body with its content codings undone (last applied first). TooLarge past
    max_size (0: no limit), UnknownEncoding for a coding not known, ValueError
    (zlib/brotli/zstd errors) for a corrupt body."""
    for coding in reversed(codings):
        decoder = _DECODERS.get(coding)
        if decoder is None:
            raise UnknownEncoding(f"unknown content coding {coding!r}")
        try:
            body = _capped(decoder(body), max_size)
        except (zlib.error, brotli.error, zstd.ZstdError, OSError) as error:
            raise ValueError(f"{coding} body does not decode: {error}") from None
    return body
