"""Remote-file upload by URL: the guarded client streamed into storage (the lead's recipe).

``storage.save_stream(key, response.aiter_bytes(), max_bytes=...)`` inside
``client.stream("GET", url)``: a refused, oversized or dropped download leaves no object.
"""

from __future__ import annotations

import httpx
import pytest

from tests.integration.net.conftest import Origin
from yarrow.net import BlockedDestination, ClientOptions, ResponseTooLarge, build_ssrf_client
from yarrow.settings.ssrf import SsrfSettings
from yarrow.storage import ObjectStorage, ObjectTooLarge
from yarrow.testing.storage import memory_storage


async def _fetch(client: httpx.AsyncClient, url: str, storage: ObjectStorage, limit: int) -> int:
    async with client.stream("GET", url) as response:
        response.raise_for_status()
        return await storage.save_stream(
            "upload/remote.bin", response.aiter_bytes(), max_bytes=limit
        )


def _client(max_response_bytes: int = 10_000_000) -> httpx.AsyncClient:
    settings = SsrfSettings.model_validate({"yarrow_ssrf_allowed_networks": "127.0.0.1/32"})
    return build_ssrf_client(settings, options=ClientOptions(max_response_bytes=max_response_bytes))


async def test_remote_file_is_stored(origin: Origin) -> None:
    storage = memory_storage()
    async with _client() as client:
        size = await _fetch(client, f"{origin.url}/big?n=250000&declared=0", storage, 10**6)
    assert size >= 250_000
    assert await storage.size("upload/remote.bin") == size


async def test_dropped_download_leaves_no_object(origin: Origin) -> None:
    storage = memory_storage()
    async with _client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await _fetch(client, f"{origin.url}/truncated", storage, 10**7)
    assert [k async for k in storage.list_keys()] == []


async def test_upload_limit_leaves_no_object(origin: Origin) -> None:
    storage = memory_storage()
    async with _client() as client:
        with pytest.raises(ObjectTooLarge):
            await _fetch(client, f"{origin.url}/big?n=3000000&declared=0", storage, 1_000_000)
    assert [k async for k in storage.list_keys()] == []


async def test_response_cap_leaves_no_object(origin: Origin) -> None:
    storage = memory_storage()
    async with _client(max_response_bytes=500_000) as client:
        with pytest.raises(ResponseTooLarge):
            await _fetch(client, f"{origin.url}/big?n=3000000&declared=0", storage, 10**7)
    assert [k async for k in storage.list_keys()] == []


async def test_refused_url_never_creates_an_object(other_origin: Origin) -> None:
    storage = memory_storage()
    async with _client() as client:
        with pytest.raises(BlockedDestination):
            await _fetch(client, f"{other_origin.url}/big?n=10", storage, 10**6)
    assert [k async for k in storage.list_keys()] == []
    assert other_origin.requests == []
