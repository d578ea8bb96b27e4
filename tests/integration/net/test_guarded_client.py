"""The SSRF-guarded client against real loopback servers.

Loopback is refused by default, so each test that must reach a server allows exactly that
server's address through ``YARROW_SSRF_ALLOWED_NETWORKS``; names resolve through an injected
resolver, so the blocked cases are proven without any DNS.
"""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from tests.integration.net.conftest import Origin
from yarrow.net import (
    BlockedDestination,
    ClientOptions,
    FetchTimeout,
    ResponseTooLarge,
    StaticResolver,
    build_ssrf_client,
)
from yarrow.net.addresses import IPAddress
from yarrow.settings.ssrf import SsrfSettings


def _settings(**values: object) -> SsrfSettings:
    return SsrfSettings.model_validate(values)


def _client(
    allowed: str = "", resolver: object | None = None, **options: object
) -> httpx.AsyncClient:
    settings = _settings(yarrow_ssrf_allowed_networks=allowed, ssrf_default_read_time_out=30)
    return build_ssrf_client(
        settings,
        resolver=resolver or StaticResolver({"public.test": "127.0.0.1"}),  # type: ignore[arg-type]
        options=ClientOptions(**options),  # type: ignore[arg-type]
    )


async def test_loopback_is_refused_by_default(origin: Origin) -> None:
    async with _client() as client:
        for url in (
            origin.url,
            f"http://public.test:{origin.port}/",
            f"http://2130706433:{origin.port}/",
            f"http://0x7f000001:{origin.port}/",
            f"http://127.1:{origin.port}/",
            f"http://[::ffff:127.0.0.1]:{origin.port}/",
        ):
            with pytest.raises(BlockedDestination):
                await client.get(url)
    assert origin.requests == []


async def test_allowed_address_is_reached_with_the_original_host(origin: Origin) -> None:
    async with _client("127.0.0.1/32") as client:
        response = await client.get(f"http://public.test:{origin.port}/hello")
    assert response.status_code == 200
    assert response.text == f"ok host=public.test:{origin.port}"
    assert origin.requests == [("/hello", f"public.test:{origin.port}")]


async def test_ipv6_loopback_is_refused(origin: Origin) -> None:
    async with _client("127.0.0.1/32") as client:
        with pytest.raises(BlockedDestination):
            await client.get(f"http://[::1]:{origin.port}/")


class _RebindingResolver:
    """First answer allowed, every later answer a refused address (a DNS rebinding attack)."""

    def __init__(self, first: str, later: str) -> None:
        self.answers = [ipaddress.ip_address(first), ipaddress.ip_address(later)]
        self.calls = 0

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        self.calls += 1
        return [self.answers[0] if self.calls == 1 else self.answers[1]]


async def test_connection_is_pinned_to_the_checked_address(
    origin: Origin, other_origin: Origin
) -> None:
    resolver = _RebindingResolver("127.0.0.1", "127.0.0.2")
    async with _client("127.0.0.1/32", resolver=resolver) as client:
        response = await client.get(f"http://rebind.test:{origin.port}/")
    assert response.status_code == 200
    assert resolver.calls == 1  # resolved once: the checked address is the one connected to
    assert len(origin.requests) == 1
    assert other_origin.requests == []


async def test_refused_first_answer_never_connects(origin: Origin) -> None:
    resolver = _RebindingResolver("10.0.0.1", "127.0.0.1")
    async with _client("127.0.0.1/32", resolver=resolver) as client:
        with pytest.raises(BlockedDestination):
            await client.get(f"http://rebind.test:{origin.port}/")
    assert origin.requests == []


async def test_redirect_to_a_refused_address_is_stopped(
    origin: Origin, other_origin: Origin
) -> None:
    async with _client("127.0.0.1/32") as client:
        for target in (
            f"{other_origin.url}/secret",
            "http://169.254.169.254/latest/meta-data/",
            f"http://[::1]:{other_origin.port}/",
            f"http://2130706434:{other_origin.port}/",
        ):
            with pytest.raises(BlockedDestination):
                await client.get(f"{origin.url}/redirect", params={"to": target})
    assert other_origin.requests == []
    assert len(origin.requests) == 4


async def test_redirect_to_an_allowed_address_is_followed(
    origin: Origin, other_origin: Origin
) -> None:
    async with _client("127.0.0.0/30") as client:
        response = await client.get(
            f"{origin.url}/redirect", params={"to": f"{other_origin.url}/landing"}
        )
    assert response.status_code == 200
    assert [path for path, _ in other_origin.requests] == ["/landing"]


async def test_redirect_loops_are_bounded(origin: Origin) -> None:
    async with _client("127.0.0.1/32") as client:
        with pytest.raises(httpx.TooManyRedirects):
            await client.get(f"{origin.url}/loop")
    assert len(origin.requests) == 1 + _settings().yarrow_ssrf_max_redirects


@pytest.mark.parametrize("declared", ["1", "0"])
async def test_response_size_is_capped(origin: Origin, declared: str) -> None:
    async with _client("127.0.0.1/32", max_response_bytes=100_000) as client:
        ok = await client.get(f"{origin.url}/big", params={"n": "100000", "declared": "1"})
        assert len(ok.content) == 100_000
        with pytest.raises(ResponseTooLarge):
            await client.get(f"{origin.url}/big", params={"n": "5000000", "declared": declared})


async def test_slow_body_hits_the_total_time_limit(origin: Origin) -> None:
    async with _client("127.0.0.1/32", total_timeout=1.0) as client:
        with pytest.raises(FetchTimeout):
            await client.get(f"{origin.url}/drip")


async def test_silent_server_hits_the_total_time_limit(origin: Origin) -> None:
    async with _client("127.0.0.1/32", total_timeout=1.0) as client:
        with pytest.raises(FetchTimeout):
            await client.get(f"{origin.url}/hang")


async def test_system_resolver_refuses_localhost(origin: Origin) -> None:
    settings = _settings()
    async with build_ssrf_client(settings) as client:
        with pytest.raises(BlockedDestination):
            await client.get(f"http://localhost:{origin.port}/")
    assert origin.requests == []


async def test_closed_port_fails_fast_with_a_connect_error() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with _client("127.0.0.1/32") as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")


async def test_gzip_is_decoded_and_capped_on_decoded_size(origin: Origin) -> None:
    async with _client("127.0.0.1/32", max_response_bytes=1_000_000) as client:
        small = await client.get(f"{origin.url}/gzip", params={"n": "1000"})
        assert small.content == b"\0" * 1000
        assert "content-encoding" not in small.headers
        with pytest.raises(ResponseTooLarge):
            await client.get(f"{origin.url}/gzip", params={"n": "50000000"})
