"""Content decoding with the size cap applied to the *decoded* bytes (no decompression bombs).

The guard asks for ``gzip, deflate`` only, decodes those itself while counting output bytes, and
hands the client an identity-encoded body; any other ``Content-Encoding`` is refused, because a
10 MB compressed body may expand to gigabytes in the caller's memory.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

from yarrow.errors import UpstreamUnavailable
from yarrow.net.errors import ResponseTooLarge

ACCEPT_ENCODING = "gzip, deflate"
_IDENTITY = frozenset({"", "identity"})
_GZIP = frozenset({"gzip", "x-gzip"})


class UnsupportedContentEncoding(UpstreamUnavailable):
    """The server used a content encoding the guard did not ask for and cannot cap."""

    default_message = "The remote server answered with an unsupported content encoding."


def needs_decoding(content_encoding: str) -> bool:
    """Whether the guard must decode this ``Content-Encoding`` (raises if it cannot)."""
    encoding = content_encoding.strip().lower()
    if encoding in _IDENTITY:
        return False
    if encoding in _GZIP or encoding == "deflate":
        return True
    raise UnsupportedContentEncoding(
        f"The remote server used Content-Encoding {content_encoding!r}; only gzip and deflate "
        "are accepted."
    )


async def decoded(
    raw: AsyncIterator[bytes], content_encoding: str, max_bytes: int
) -> AsyncIterator[bytes]:
    """Decode ``raw`` (gzip or deflate), refusing more than ``max_bytes`` of output."""
    encoding = content_encoding.strip().lower()
    gzip = encoding in _GZIP
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
    first = True
    produced = 0
    async for chunk in raw:
        data = chunk
        while data:
            try:
                out = decoder.decompress(data, max_bytes - produced + 1)
            except zlib.error as exc:
                if first and not gzip:  # deflate sent without the zlib header
                    decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                    first = False
                    continue
                raise UnsupportedContentEncoding("The compressed body is corrupt.") from exc
            first = False
            produced += len(out)
            if produced > max_bytes:
                raise ResponseTooLarge(f"The decoded response is larger than {max_bytes} bytes.")
            if out:
                yield out
            data = decoder.unconsumed_tail
            if decoder.eof and decoder.unused_data:  # another gzip member follows
                data = decoder.unused_data
                decoder = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
    tail = decoder.flush()
    produced += len(tail)
    if produced > max_bytes:
        raise ResponseTooLarge(f"The decoded response is larger than {max_bytes} bytes.")
    if tail:
        yield tail
