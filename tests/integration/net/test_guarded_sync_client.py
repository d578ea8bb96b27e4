"""The blocking twin of the guarded client, against the same real loopback servers."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from tests.integration.net.conftest import Origin
from yarrow.net import (
    BlockedDestination,
    ClientOptions,
    FetchTimeout,
    InvalidUrl,
    ResponseTooLarge,
    StaticResolver,
    build_ssrf_sync_client,
)
from yarrow.net.addresses import IPAddress
from yarrow.settings.ssrf import SsrfSettings


def _client(allowed: str = "", resolver: object | None = None, **options: object) -> httpx.Client:
    settings = SsrfSettings.model_validate(
        {"yarrow_ssrf_allowed_networks": allowed, "ssrf_default_read_time_out": 30}
    )
    return build_ssrf_sync_client(
        settings,
        resolver=resolver or StaticResolver({"public.test": "127.0.0.1"}),  # type: ignore[arg-type]
        options=ClientOptions(**options),  # type: ignore[arg-type]
    )


def test_loopback_is_refused_by_default(origin: Origin) -> None:
    with _client() as client:
        for url in (
            origin.url,
            f"http://public.test:{origin.port}/",
            f"http://2130706433:{origin.port}/",
            f"http://[::1]:{origin.port}/",
        ):
            with pytest.raises(BlockedDestination):
                client.get(url)
        with pytest.raises((InvalidUrl, httpx.UnsupportedProtocol)):
            client.get("file:///etc/passwd")
    assert origin.requests == []


def test_allowed_address_is_reached_with_the_original_host(origin: Origin) -> None:
    with _client("127.0.0.1/32") as client:
        response = client.get(f"http://public.test:{origin.port}/hello")
    assert response.text == f"ok host=public.test:{origin.port}"


class _RebindingResolver:
    def __init__(self) -> None:
        self.calls = 0

    def resolve_blocking(self, host: str, port: int) -> list[IPAddress]:
        self.calls += 1
        return [ipaddress.ip_address("127.0.0.1" if self.calls == 1 else "127.0.0.2")]


def test_connection_is_pinned_to_the_checked_address(origin: Origin, other_origin: Origin) -> None:
    resolver = _RebindingResolver()
    with _client("127.0.0.1/32", resolver=resolver) as client:
        assert client.get(f"http://rebind.test:{origin.port}/").status_code == 200
    assert resolver.calls == 1
    assert other_origin.requests == []


def test_redirect_to_a_refused_address_is_stopped(origin: Origin, other_origin: Origin) -> None:
    with _client("127.0.0.1/32") as client, pytest.raises(BlockedDestination):
        client.get(f"{origin.url}/redirect", params={"to": f"{other_origin.url}/x"})
    assert other_origin.requests == []


@pytest.mark.parametrize(
    "path", ["/big?n=5000000&declared=1", "/big?n=5000000&declared=0", "/gzip?n=50000000"]
)
def test_response_size_is_capped(origin: Origin, path: str) -> None:
    with _client("127.0.0.1/32", max_response_bytes=1_000_000) as client:
        with pytest.raises(ResponseTooLarge):
            client.get(f"{origin.url}{path}")
        assert client.get(f"{origin.url}/gzip?n=1000").content == b"\0" * 1000


def test_slow_body_hits_the_total_time_limit(origin: Origin) -> None:
    with _client("127.0.0.1/32", total_timeout=1.0) as client, pytest.raises(FetchTimeout):
        client.get(f"{origin.url}/drip")


def test_silent_server_hits_the_time_limit(origin: Origin) -> None:
    with _client("127.0.0.1/32", total_timeout=1.0) as client, pytest.raises(FetchTimeout):
        client.get(f"{origin.url}/hang")
