"""The guard transport over httpx's in-memory ``MockTransport`` (no network).

Names resolve through :class:`StaticResolver`, so every blocked case is proven without DNS.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from yarrow.errors import InvalidInput, PayloadTooLarge
from yarrow.net import (
    AddressPolicy,
    BlockedDestination,
    FetchLimits,
    InvalidUrl,
    ResponseTooLarge,
    SsrfGuardTransport,
    StaticResolver,
)

DNS = StaticResolver(
    {
        "public.example": "93.184.216.34",
        "internal.example": "10.0.0.7",
        "metadata.example": "169.254.169.254",
        "mixed.example": ["93.184.216.34", "192.168.0.10"],
        "v6-loopback.example": "::1",
        "mapped.example": "::ffff:127.0.0.1",
    }
)


def _client(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    allowed: list[str] | None = None,
    limits: FetchLimits | None = None,
) -> tuple[httpx.AsyncClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    guard = SsrfGuardTransport(
        httpx.MockTransport(record),
        policy=AddressPolicy.from_strings(allowed or []),
        resolver=DNS,
        limits=limits,
    )
    return httpx.AsyncClient(transport=guard, follow_redirects=True, max_redirects=3), seen


def _ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text="hello")


async def test_public_host_is_fetched() -> None:
    client, seen = _client(_ok)
    async with client:
        response = await client.get("http://public.example/a")
    assert response.text == "hello"
    assert [str(r.url) for r in seen] == ["http://public.example/a"]


@pytest.mark.parametrize(
    "url",
    [
        "http://internal.example/",
        "http://metadata.example/latest/meta-data/",
        "http://mixed.example/",
        "http://v6-loopback.example/",
        "http://mapped.example/",
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://127.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[fe80::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.100.100.200/",
        "http://0.0.0.0:8080/",
        "https://10.0.0.1/",
        "http://public.example@127.0.0.1/",
    ],
)
async def test_blocked_destinations_never_reach_the_transport(url: str) -> None:
    client, seen = _client(_ok)
    async with client:
        with pytest.raises(BlockedDestination) as info:
            await client.get(url)
    assert isinstance(info.value, InvalidInput)
    assert seen == []


async def test_octal_spelling_is_rejected_by_httpx_before_any_connection() -> None:
    client, seen = _client(_ok)
    async with client:
        with pytest.raises((BlockedDestination, httpx.InvalidURL)):
            await client.get("http://0177.0.0.1/")
    assert seen == []


@pytest.mark.parametrize("url", ["ftp://public.example/x", "gopher://public.example/"])
async def test_other_schemes_are_refused(url: str) -> None:
    client, seen = _client(_ok)
    async with client:
        with pytest.raises((InvalidUrl, httpx.UnsupportedProtocol)):
            await client.get(url)
    assert seen == []


async def test_unresolvable_host_is_invalid() -> None:
    client, seen = _client(_ok)
    async with client:
        with pytest.raises(InvalidUrl):
            await client.get("http://nowhere.example/")
    assert seen == []


async def test_allow_list_lets_a_private_address_through() -> None:
    client, seen = _client(_ok, allowed=["10.0.0.0/24"])
    async with client:
        assert (await client.get("http://internal.example/")).status_code == 200
        with pytest.raises(BlockedDestination):
            await client.get("http://metadata.example/")
    assert len(seen) == 1


@pytest.mark.parametrize(
    "target",
    [
        "http://internal.example/",
        "http://169.254.169.254/",
        "http://[::1]:8080/x",
        "http://2130706433/",
    ],
)
async def test_every_redirect_hop_is_checked(target: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "public.example":
            return httpx.Response(302, headers={"Location": target})
        return httpx.Response(200, text="secret")

    client, seen = _client(handler)
    async with client:
        with pytest.raises(BlockedDestination):
            await client.get("http://public.example/start")
    assert [r.url.host for r in seen] == ["public.example"]


async def test_redirect_to_another_scheme_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "file:///etc/passwd"})

    client, seen = _client(handler)
    async with client:
        with pytest.raises((InvalidUrl, httpx.UnsupportedProtocol)):
            await client.get("http://public.example/")
    assert len(seen) == 1


async def test_declared_oversized_response_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 2000)

    client, _ = _client(handler, limits=FetchLimits(max_response_bytes=1000))
    async with client:
        with pytest.raises(ResponseTooLarge) as info:
            await client.get("http://public.example/")
    assert isinstance(info.value, PayloadTooLarge)


async def test_undeclared_oversized_response_is_cut_off() -> None:
    async def body() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"y" * 300

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body())

    client, _ = _client(handler, limits=FetchLimits(max_response_bytes=1000))
    async with client:
        with pytest.raises(ResponseTooLarge):
            await client.get("http://public.example/")
        async with client.stream("GET", "http://public.example/") as response:
            received = 0
            with pytest.raises(ResponseTooLarge):
                async for chunk in response.aiter_bytes():
                    received += len(chunk)
    assert received <= 1000


async def test_response_at_the_limit_is_accepted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"z" * 1000)

    client, _ = _client(handler, limits=FetchLimits(max_response_bytes=1000))
    async with client:
        assert len((await client.get("http://public.example/")).content) == 1000
