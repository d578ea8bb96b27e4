"""The in-memory storage shipped for other areas' unit tests passes the conformance suite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import pytest

from yarrow.storage import ObjectStorage, ProxiedUrlSigner
from yarrow.testing.storage import (
    TEST_FILES_URL,
    TEST_SIGNER_SECRET,
    ObjectStorageConformance,
    memory_storage,
)


class TestMemoryStorage(ObjectStorageConformance):
    @pytest.fixture
    async def storage(self) -> AsyncIterator[ObjectStorage]:
        storage = memory_storage()
        yield storage
        await storage.close()


async def test_memory_storages_do_not_share_objects() -> None:
    first, second = memory_storage(), memory_storage()
    await first.save("k", b"1")
    assert not await second.exists("k")


async def test_proxied_download_url_verifies_with_the_test_signer() -> None:
    storage = memory_storage()
    await storage.save("exports/a b.zip", b"zip")
    url = await storage.download_url("exports/a b.zip", expires_in=60)
    assert url.startswith(f"{TEST_FILES_URL}/exports/a%20b.zip?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    ProxiedUrlSigner(TEST_SIGNER_SECRET, TEST_FILES_URL).verify(
        "exports/a b.zip", query["expires"], query["sign"]
    )


async def test_listing_thread_ends_when_the_consumer_stops() -> None:
    """More keys than the hand-over queue holds, so the listing thread is still running."""
    import threading

    storage = memory_storage()
    for i in range(3000):
        await storage.save(f"k/{i:04d}", b"")
    listing = storage.list_keys("k/")
    first = await anext(listing)
    assert first.startswith("k/")
    assert any(t.name == "yarrow-storage-list" for t in threading.enumerate())
    await listing.aclose()  # type: ignore[attr-defined]
    for _ in range(50):
        if not any(t.name == "yarrow-storage-list" for t in threading.enumerate()):
            break
        await asyncio.sleep(0.05)
    assert not any(t.name == "yarrow-storage-list" for t in threading.enumerate())
