"""Conformance suite every :class:`~yarrow.storage.ObjectStorage` backend must pass.

Subclass it in a test module as ``TestMyStorage(ObjectStorageConformance)`` and provide a
``storage`` fixture that yields an empty, ready storage (for example under a fresh root or
bucket) and cleans up afterwards. Backends without the ``presign`` capability should be given a
:class:`~yarrow.storage.ProxiedUrlSigner` so that ``download_url`` is exercised.

:func:`memory_storage` is an in-memory ``ObjectStorage`` (OpenDAL's ``memory`` service, which
passes this suite) for the unit tests of code that uses storage.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from yarrow.storage import (
    CallLimits,
    DownloadUrlUnavailable,
    InvalidObjectKey,
    ObjectNotFound,
    ObjectStorage,
    ObjectTooLarge,
    OpenDALStorage,
    ProxiedUrlSigner,
)

TEST_SIGNER_SECRET = b"yarrow-testing-only"
TEST_FILES_URL = "http://files.invalid/files/objects"


def memory_storage(signer: ProxiedUrlSigner | None = None) -> ObjectStorage:
    """A fresh, empty in-memory storage; downloads are signed with a test-only signer."""
    return OpenDALStorage(
        "memory",
        {},
        name="memory",
        limits=CallLimits(max_retries=0),
        signer=signer or ProxiedUrlSigner(TEST_SIGNER_SECRET, TEST_FILES_URL),
    )


INVALID_KEYS = ["", "/abs", "a/../b", "..", "a//b", "a\\b", "dir/", "x\x00y", "./a", "a/./b"]


async def _collect(storage: ObjectStorage, prefix: str = "") -> set[str]:
    return {key async for key in storage.list_keys(prefix)}


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


class _Interrupted(Exception):
    """Raised by a test upload source to simulate a dropped client."""


async def _interrupted_source() -> AsyncIterator[bytes]:
    yield b"a" * 300_000
    yield b"b" * 300_000
    raise _Interrupted("client went away")


class ObjectStorageConformance:
    """The contract of ``ObjectStorage`` (see :mod:`yarrow.storage.base`)."""

    async def test_save_then_load_round_trips(self, storage: ObjectStorage) -> None:
        await storage.save("docs/hello.txt", b"hello world")
        assert await storage.load("docs/hello.txt") == b"hello world"

    async def test_save_replaces_existing_object(self, storage: ObjectStorage) -> None:
        await storage.save("k", b"first version, longer")
        await storage.save("k", b"second")
        assert await storage.load("k") == b"second"
        assert await storage.size("k") == 6

    async def test_empty_object(self, storage: ObjectStorage) -> None:
        await storage.save("empty.bin", b"")
        assert await storage.exists("empty.bin")
        assert await storage.load("empty.bin") == b""
        assert await storage.size("empty.bin") == 0
        assert [c async for c in storage.stream("empty.bin")] == []

    async def test_every_byte_value_survives(self, storage: ObjectStorage) -> None:
        data = bytes(range(256)) * 64
        await storage.save("bin/all-bytes", data)
        assert await storage.load("bin/all-bytes") == data

    async def test_unicode_and_space_in_key(self, storage: ObjectStorage) -> None:
        key = "upload files/数据 (1)/résumé + notes.txt"
        await storage.save(key, b"x")
        assert await storage.load(key) == b"x"
        assert await _collect(storage, "upload files/") == {key}

    async def test_missing_object_is_not_found(self, storage: ObjectStorage) -> None:
        with pytest.raises(ObjectNotFound):
            await storage.load("nope/missing")
        with pytest.raises(ObjectNotFound):
            await storage.stat("nope/missing")
        with pytest.raises(ObjectNotFound):
            await storage.size("nope/missing")
        assert not await storage.exists("nope/missing")

    async def test_folder_is_not_an_object(self, storage: ObjectStorage) -> None:
        await storage.save("folder/inner.txt", b"x")
        assert not await storage.exists("folder")
        with pytest.raises(ObjectNotFound):
            await storage.load("folder")

    async def test_delete_removes_and_is_idempotent(self, storage: ObjectStorage) -> None:
        await storage.save("gone.txt", b"x")
        await storage.delete("gone.txt")
        assert not await storage.exists("gone.txt")
        await storage.delete("gone.txt")
        await storage.delete("never/existed")

    async def test_stat_reports_size_and_content_type(self, storage: ObjectStorage) -> None:
        await storage.save("img/a.png", b"\x89PNG" + b"0" * 96, content_type="image/png")
        info = await storage.stat("img/a.png")
        assert info.key == "img/a.png"
        assert info.size == 100
        if storage.capabilities.content_type:
            assert info.content_type == "image/png"

    async def test_stream_yields_bounded_chunks(self, storage: ObjectStorage) -> None:
        data = bytes(range(251)) * (3 * 4177)  # ~3 MiB, not a multiple of the chunk size
        await storage.save("big/object.bin", data)
        chunks = [c async for c in storage.stream("big/object.bin", chunk_size=256 * 1024)]
        assert all(0 < len(c) <= 256 * 1024 for c in chunks)
        assert len(chunks) >= len(data) // (256 * 1024)
        assert b"".join(chunks) == data

    async def test_stream_byte_ranges(self, storage: ObjectStorage) -> None:
        data = bytes(range(256)) * 40  # 10240 bytes
        await storage.save("media/clip.bin", data)

        async def ranged(offset: int, length: int | None, chunk: int = 1000) -> bytes:
            stream = storage.stream(
                "media/clip.bin", chunk_size=chunk, offset=offset, length=length
            )
            parts = [c async for c in stream]
            assert all(len(c) <= chunk for c in parts)
            return b"".join(parts)

        assert await ranged(0, 100) == data[:100]
        assert await ranged(5000, 2500) == data[5000:7500]
        assert await ranged(10000, None) == data[10000:]
        assert await ranged(10000, 5000) == data[10000:]  # cut at the end
        assert await ranged(10239, 1) == data[-1:]
        assert await ranged(10240, None) == b""
        assert await ranged(99999, 10) == b""
        assert await ranged(3, 0) == b""
        with pytest.raises(ValueError):
            await ranged(-1, None)

    async def test_stream_of_missing_object_is_not_found(self, storage: ObjectStorage) -> None:
        with pytest.raises(ObjectNotFound):
            async for _ in storage.stream("nope/missing"):
                pass

    async def test_stream_can_stop_early(self, storage: ObjectStorage) -> None:
        await storage.save("partial.bin", b"z" * 300_000)
        stream = storage.stream("partial.bin", chunk_size=1000)
        first = await anext(stream)
        await stream.aclose()  # type: ignore[attr-defined]
        assert first == b"z" * 1000
        assert await storage.load("partial.bin") == b"z" * 300_000

    async def test_save_stream_round_trips(self, storage: ObjectStorage) -> None:
        parts = [b"a" * 100_000, b"", b"b" * 7, b"c" * 2_000_000]
        count = await storage.save_stream("streamed/x.bin", _chunks(*parts), max_bytes=10**7)
        assert count == sum(len(p) for p in parts)
        assert await storage.load("streamed/x.bin") == b"".join(parts)

    async def test_save_stream_over_limit_keeps_nothing(self, storage: ObjectStorage) -> None:
        source = _chunks(b"a" * 600, b"b" * 600)
        with pytest.raises(ObjectTooLarge):
            await storage.save_stream("limited.bin", source, max_bytes=1000)
        assert not await storage.exists("limited.bin")
        assert await _collect(storage) == set()

    async def test_save_stream_at_limit_is_accepted(self, storage: ObjectStorage) -> None:
        count = await storage.save_stream("exact.bin", _chunks(b"a" * 1000), max_bytes=1000)
        assert count == 1000
        assert await storage.size("exact.bin") == 1000

    async def test_interrupted_upload_leaves_no_object(self, storage: ObjectStorage) -> None:
        with pytest.raises(_Interrupted):
            await storage.save_stream("interrupted.bin", _interrupted_source())
        assert not await storage.exists("interrupted.bin")
        assert await _collect(storage) == set()

    async def test_list_by_prefix(self, storage: ObjectStorage) -> None:
        keys = {"a/b/1.txt", "a/b/2.txt", "a/bc.txt", "a/c/3.txt", "z.txt"}
        for key in keys:
            await storage.save(key, key.encode())
        assert await _collect(storage) == keys
        assert await _collect(storage, "a/") == keys - {"z.txt"}
        assert await _collect(storage, "a/b/") == {"a/b/1.txt", "a/b/2.txt"}
        assert await _collect(storage, "a/b") == {"a/b/1.txt", "a/b/2.txt", "a/bc.txt"}
        assert await _collect(storage, "a/b/1") == {"a/b/1.txt"}
        assert await _collect(storage, "missing/") == set()
        assert await _collect(storage, "q") == set()

    async def test_list_many_keys_and_stop_early(self, storage: ObjectStorage) -> None:
        keys = {f"bulk/{i:04d}.txt" for i in range(300)}
        await asyncio.gather(*(storage.save(k, b"") for k in keys))
        assert await _collect(storage, "bulk/") == keys
        seen = []
        async for key in storage.list_keys("bulk/"):
            seen.append(key)
            if len(seen) == 3:
                break
        assert len(seen) == 3 and set(seen) <= keys
        assert await _collect(storage, "bulk/00") == {k for k in keys if k.startswith("bulk/00")}

    async def test_delete_prefix_removes_exactly_the_matching_keys(
        self, storage: ObjectStorage
    ) -> None:
        keys = {f"apps/a1/{i}.txt" for i in range(20)} | {"apps/a10/x.txt", "apps/a2/y.txt"}
        await asyncio.gather(*(storage.save(k, b"x") for k in keys))
        assert await storage.delete_prefix("apps/a1/") == 20
        assert await _collect(storage, "apps/") == {"apps/a10/x.txt", "apps/a2/y.txt"}
        assert await storage.delete_prefix("apps/a1/") == 0
        with pytest.raises(InvalidObjectKey):
            await storage.delete_prefix("")
        with pytest.raises(InvalidObjectKey):
            await storage.delete_prefix("../apps")

    async def test_list_forgets_deleted_keys(self, storage: ObjectStorage) -> None:
        await storage.save("l/1", b"1")
        await storage.save("l/2", b"2")
        await storage.delete("l/1")
        assert await _collect(storage, "l/") == {"l/2"}

    @pytest.mark.parametrize("key", INVALID_KEYS)
    async def test_invalid_keys_are_refused(self, storage: ObjectStorage, key: str) -> None:
        with pytest.raises(InvalidObjectKey):
            await storage.save(key, b"x")
        with pytest.raises(InvalidObjectKey):
            await storage.save_stream(key, _chunks(b"x"))
        with pytest.raises(InvalidObjectKey):
            await storage.load(key)
        with pytest.raises(InvalidObjectKey):
            await anext(storage.stream(key))
        with pytest.raises(InvalidObjectKey):
            await storage.exists(key)
        with pytest.raises(InvalidObjectKey):
            await storage.delete(key)
        with pytest.raises(InvalidObjectKey):
            await storage.stat(key)
        with pytest.raises(InvalidObjectKey):
            await storage.download_url(key, expires_in=60)

    @pytest.mark.parametrize("prefix", ["/abs", "a/../", "a//", "..", "a\\"])
    async def test_invalid_prefixes_are_refused(self, storage: ObjectStorage, prefix: str) -> None:
        with pytest.raises(InvalidObjectKey):
            await _collect(storage, prefix)

    async def test_concurrent_saves(self, storage: ObjectStorage) -> None:
        keys = [f"many/{i:03d}" for i in range(24)]
        await asyncio.gather(*(storage.save(k, k.encode()) for k in keys))
        loaded = await asyncio.gather(*(storage.load(k) for k in keys))
        assert loaded == [k.encode() for k in keys]
        assert await _collect(storage, "many/") == set(keys)

    async def test_download_url_of_missing_object(self, storage: ObjectStorage) -> None:
        with pytest.raises(ObjectNotFound):
            await storage.download_url("nope/missing", expires_in=60)

    async def test_download_url_serves_the_object(self, storage: ObjectStorage) -> None:
        await storage.save("dl/report.pdf", b"%PDF-1.7 fake", content_type="application/pdf")
        try:
            url = await storage.download_url("dl/report.pdf", expires_in=120, filename="r.pdf")
        except DownloadUrlUnavailable:
            pytest.fail("give the storage fixture a ProxiedUrlSigner or presigning")
        assert url.startswith(("http://", "https://"))
        if storage.capabilities.presign:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.get(url)
            assert response.status_code == 200
            assert response.content == b"%PDF-1.7 fake"
