"""The object-storage interface every backend implements.

Contract (checked by :mod:`yarrow.testing.storage`, which every backend's tests subclass):

* keys follow :mod:`yarrow.storage.keys`; an invalid key raises ``InvalidObjectKey`` before any
  call to the backend;
* ``save`` and ``save_stream`` replace an existing object; a failed or oversized
  ``save_stream`` leaves no object under the key (use it for fresh keys);
* ``load``, ``stream``, ``stat``, ``size`` and ``download_url`` raise ``ObjectNotFound`` for a
  missing key; ``delete`` of a missing key is a no-op;
* ``list_keys(prefix)`` yields every stored key that starts with ``prefix`` (a plain string
  prefix, not only a folder), in no particular order, never folders; ``delete_prefix`` removes
  exactly those keys;
* every backend failure surfaces as ``StorageUnavailable`` (chained to the vendor error) after
  the backend's bounded retries and timeouts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import anyio

from yarrow.storage.errors import InvalidObjectKey
from yarrow.storage.keys import check_prefix

#: Default chunk size of :meth:`ObjectStorage.stream`.
DEFAULT_CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class ObjectInfo:
    """Metadata of one stored object; fields a backend does not know are ``None``."""

    key: str
    size: int
    content_type: str | None = None
    last_modified: datetime | None = None
    etag: str | None = None


@dataclass(frozen=True)
class StorageCapabilities:
    """What a configured storage can do beyond the common contract.

    Attributes:
        presign: ``download_url`` returns the backend's own presigned URL (direct download).
        content_type: the content type given to ``save`` is stored and returned by ``stat``.
    """

    presign: bool = False
    content_type: bool = False


class ObjectStorage(ABC):
    """Asynchronous object storage: bytes under keys."""

    #: Registry name (Dify's ``STORAGE_TYPE``) this storage was built as.
    name: str = ""

    @property
    @abstractmethod
    def capabilities(self) -> StorageCapabilities:
        """Capability flags of this configured storage."""

    @abstractmethod
    async def save(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """Store ``data`` under ``key``, replacing any existing object."""

    @abstractmethod
    async def save_stream(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        content_type: str | None = None,
        max_bytes: int | None = None,
    ) -> int:
        """Store the concatenated ``chunks`` under ``key`` and return the byte count.

        Raises:
            ObjectTooLarge: more than ``max_bytes`` arrived; nothing is kept under ``key``.
            Exception: whatever ``chunks`` raised (an interrupted upload); nothing is kept.
        """

    @abstractmethod
    async def load(self, key: str) -> bytes:
        """The whole object."""

    @abstractmethod
    def stream(
        self,
        key: str,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        offset: int = 0,
        length: int | None = None,
    ) -> AsyncIterator[bytes]:
        """The object in chunks of at most ``chunk_size`` bytes, with memory flat in its size.

        ``offset`` and ``length`` select a byte range (HTTP ``Range`` requests); a range past the
        end is cut at the end, and an ``offset`` at or past the end yields nothing. A missing
        key raises ``ObjectNotFound`` on the first iteration.
        """

    @abstractmethod
    async def exists(self, key: str) -> bool:
        """Whether an object (not a folder) is stored under ``key``."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the object; a missing key is not an error."""

    @abstractmethod
    def list_keys(self, prefix: str = "") -> AsyncIterator[str]:
        """Every stored key starting with ``prefix``."""

    async def delete_prefix(self, prefix: str, *, concurrency: int = 8) -> int:
        """Remove every object whose key starts with ``prefix``; return how many.

        ``prefix`` must not be empty (no accidental wipe of the whole storage).
        """
        if not prefix:
            raise InvalidObjectKey("delete_prefix needs a non-empty prefix.")
        check_prefix(prefix)
        deleted = 0
        batch: list[str] = []
        async for key in self.list_keys(prefix):
            batch.append(key)
            if len(batch) >= concurrency:
                deleted += await self._delete_all(batch)
                batch = []
        return deleted + await self._delete_all(batch)

    async def _delete_all(self, keys: list[str]) -> int:
        async with anyio.create_task_group() as group:
            for key in keys:
                group.start_soon(self.delete, key)
        return len(keys)

    @abstractmethod
    async def stat(self, key: str) -> ObjectInfo:
        """Metadata of the object."""

    async def size(self, key: str) -> int:
        """Size of the object in bytes."""
        return (await self.stat(key)).size

    @abstractmethod
    async def download_url(
        self,
        key: str,
        *,
        expires_in: int,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """A URL that downloads the object for ``expires_in`` seconds.

        A presigned backend URL when the storage has the ``presign`` capability, otherwise a
        signed URL of Yarrow's own proxied download route.

        Raises:
            ObjectNotFound: the key holds no object.
            DownloadUrlUnavailable: neither presigning nor a proxied-URL signer is configured.
        """

    async def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release connections; the storage must not be used afterwards."""
