"""Response bodies counted against the size cap *after* decoding (no decompression bombs).

The guard asks for ``gzip, deflate`` only, decodes those itself while counting output bytes, and
hands the client an identity-encoded body; any other ``Content-Encoding`` is refused, because a
10 MB compressed body may expand to gigabytes in the caller's memory.
"""

from __future__ import annotations

import zlib

from yarrow.errors import UpstreamUnavailable
from yarrow.net.errors import FetchError, ResponseTooLarge

ACCEPT_ENCODING = "gzip, deflate"
_IDENTITY = frozenset({"", "identity"})
_GZIP = frozenset({"gzip", "x-gzip"})


class UnsupportedContentEncoding(UpstreamUnavailable, FetchError):
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


class BodyMeter:
    """Counts (and, for gzip/deflate, decodes) a body; refuses more than ``max_bytes``.

    Both the raw bytes received and the decoded bytes handed on are capped.
    """

    def __init__(self, max_bytes: int, content_encoding: str = "") -> None:
        self._max = max_bytes
        self._raw = 0
        self._out = 0
        encoding = content_encoding.strip().lower()
        self._decode = needs_decoding(encoding)
        self._gzip = encoding in _GZIP
        self._first = True
        self._decoder = self._new_decoder()

    def _new_decoder(self) -> zlib._Decompress:
        return zlib.decompressobj(16 + zlib.MAX_WBITS if self._gzip else zlib.MAX_WBITS)

    def feed(self, chunk: bytes) -> list[bytes]:
        """The decoded bytes of ``chunk`` (possibly none)."""
        self._raw += len(chunk)
        if self._raw > self._max:
            raise ResponseTooLarge(f"The response is larger than {self._max} bytes.")
        if not self._decode:
            self._out += len(chunk)
            return [chunk] if chunk else []
        out: list[bytes] = []
        data = chunk
        while data:
            try:
                piece = self._decoder.decompress(data, self._max - self._out + 1)
            except zlib.error as exc:
                if self._first and not self._gzip:  # deflate sent without the zlib header
                    self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._first = False
                    continue
                raise UnsupportedContentEncoding("The compressed body is corrupt.") from exc
            self._first = False
            self._count(piece, out)
            data = self._decoder.unconsumed_tail
            if self._decoder.eof and self._decoder.unused_data:  # another gzip member
                data = self._decoder.unused_data
                self._decoder = self._new_decoder()
        return out

    def finish(self) -> list[bytes]:
        """Whatever the decoder still holds, once the body has ended."""
        out: list[bytes] = []
        if self._decode:
            self._count(self._decoder.flush(), out)
        return out

    def _count(self, piece: bytes, out: list[bytes]) -> None:
        self._out += len(piece)
        if self._out > self._max:
            raise ResponseTooLarge(f"The decoded response is larger than {self._max} bytes.")
        if piece:
            out.append(piece)
