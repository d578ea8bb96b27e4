"""The size cap applies to decoded bytes: compressed bodies cannot bypass it."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest

from yarrow.net import (
    AddressPolicy,
    FetchLimits,
    ResponseTooLarge,
    SsrfGuardTransport,
    StaticResolver,
)
from yarrow.net.decoding import UnsupportedContentEncoding


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 4096):
        yield body[start : start + 4096]


def _client(body: bytes, encoding: str, limit: int = 1_000_000) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Accept-Encoding"] == "gzip, deflate"
        # A streamed body, as from the network: httpx must not decode it before the guard.
        return httpx.Response(200, content=_chunks(body), headers={"Content-Encoding": encoding})

    guard = SsrfGuardTransport(
        httpx.MockTransport(handler),
        policy=AddressPolicy(),
        resolver=StaticResolver({"public.example": "93.184.216.34"}),
        limits=FetchLimits(max_response_bytes=limit),
    )
    return httpx.AsyncClient(transport=guard)


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", _raw_deflate),
        ("identity", lambda data: data),
    ],
)
async def test_encoded_bodies_arrive_decoded(encoding: str, encode: object) -> None:
    text = b"hello world " * 1000
    async with _client(encode(text), encoding) as client:  # type: ignore[operator]
        response = await client.get("http://public.example/")
    assert response.content == text
    assert "content-encoding" not in response.headers or encoding == "identity"


async def test_multi_member_gzip() -> None:
    async with _client(gzip.compress(b"a" * 10) + gzip.compress(b"b" * 10), "gzip") as client:
        response = await client.get("http://public.example/")
    assert response.content == b"a" * 10 + b"b" * 10


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_decompression_bomb_is_refused(encoding: str) -> None:
    bomb = (gzip.compress if encoding == "gzip" else zlib.compress)(b"\0" * 50_000_000)
    assert len(bomb) < 100_000
    async with _client(bomb, encoding, limit=1_000_000) as client:
        with pytest.raises(ResponseTooLarge):
            await client.get("http://public.example/")


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "gzip, br"])
async def test_encodings_we_did_not_ask_for_are_refused(encoding: str) -> None:
    async with _client(b"whatever", encoding) as client:
        with pytest.raises(UnsupportedContentEncoding):
            await client.get("http://public.example/")


async def test_corrupt_gzip_is_refused() -> None:
    async with _client(b"\x1f\x8b not really gzip", "gzip") as client:
        with pytest.raises(UnsupportedContentEncoding):
            await client.get("http://public.example/")
