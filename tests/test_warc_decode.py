"""Content codings undone as Scrapy's HttpCompressionMiddleware would (newscrawl.warc.decode)."""
import gzip
import zlib

import brotli
import pytest

from newscrawl.warc.decode import TooLarge, UnknownEncoding, decode_body

try:
    from compression import zstd
except ImportError:
    from backports import zstd

PAGE = b"<html><body>" + b"<p>Seoul (Yonhap) -- a story.</p>" * 4000 + b"</body></html>"


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize("body,codings", [
    (PAGE, []),
    (gzip.compress(PAGE), ["gzip"]),
    (gzip.compress(PAGE), ["x-gzip"]),
    (gzip.compress(PAGE[:5000]) + gzip.compress(PAGE[5000:]), ["gzip"]),  # two gzip members
    (zlib.compress(PAGE), ["deflate"]),
    (raw_deflate(PAGE), ["deflate"]),  # raw deflate, as some servers send it
    (brotli.compress(PAGE), ["br"]),
    (zstd.compress(PAGE), ["zstd"]),
    (brotli.compress(gzip.compress(PAGE)), ["gzip", "br"]),  # applied in order: undone last first
])
def test_codings_are_undone(body, codings):
    assert decode_body(body, codings) == PAGE


def test_a_body_past_the_limit_once_decoded_is_refused():
    with pytest.raises(TooLarge):
        decode_body(gzip.compress(b" " * 100_000), ["gzip"], max_size=50_000)
    assert decode_body(gzip.compress(PAGE), ["gzip"], max_size=len(PAGE)) == PAGE


@pytest.mark.parametrize("body,codings,error", [
    (PAGE, ["compress"], UnknownEncoding),
    (b"not gzip at all", ["gzip"], ValueError),
    (b"\x00\x01 not brotli", ["br"], ValueError),
])
def test_unknown_or_corrupt_codings_say_so(body, codings, error):
    with pytest.raises(error):
        decode_body(body, codings)
