"""Embeddings cached in SQL by (model, text hash), computed in bounded batches.

A text embedded once by a model is never sent to the provider again: re-indexing a document or
rebuilding the vector store reads the stored vectors. Calls to one provider are bounded by a
semaphore per provider; the model runtime adds timeouts, retries with back-off and a breaker.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from array import array
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from yarrow.db.engine import Database
from yarrow.db.models import CachedEmbedding
from yarrow.models import EmbeddingModel

Vector = tuple[float, ...]
#: Texts sent to a provider in one call.
BATCH_SIZE = 64
#: Concurrent calls per provider (per process).
PROVIDER_CONCURRENCY = 2


def text_hash(text: str) -> str:
    """SHA-256 hex of ``text`` (UTF-8): the cache key beside the model."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def model_key(provider: str, model: str) -> str:
    """``provider/model``: which model made a cached vector."""
    return f"{provider}/{model}"


def _pack(vector: Sequence[float]) -> bytes:
    packed = array("f", vector)
    return packed.tobytes()


def _unpack(data: bytes) -> Vector:
    values = array("f")
    values.frombytes(data)
    return tuple(values)


class EmbeddingCache:
    """Embed texts through a model, reading and filling the SQL cache."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._lock = threading.Lock()
        self._limits: dict[tuple[int, str], asyncio.Semaphore] = {}
        self.provider_calls = 0

    def lookup(self, key: str, hashes: Sequence[str]) -> dict[str, Vector]:
        """Cached vectors of ``hashes`` for model ``key``."""
        found: dict[str, Vector] = {}
        wanted = list(dict.fromkeys(hashes))
        with self._db.session() as session:
            for start in range(0, len(wanted), 500):
                rows = session.execute(
                    select(CachedEmbedding.text_hash, CachedEmbedding.vector).where(
                        CachedEmbedding.model_key == key,
                        CachedEmbedding.text_hash.in_(wanted[start : start + 500]),
                    )
                )
                for digest, data in rows:
                    found[digest] = _unpack(data)
        return found

    async def embed(
        self, provider: str, model: EmbeddingModel, texts: Sequence[str]
    ) -> list[Vector]:
        """One vector per text, in order; only texts missing from the cache reach ``model``."""
        key = model_key(provider, model.info.name)
        hashes = [text_hash(t) for t in texts]
        cached = await asyncio.to_thread(self.lookup, key, hashes)
        missing: dict[str, str] = {}
        for digest, text in zip(hashes, texts, strict=True):
            if digest not in cached:
                missing.setdefault(digest, text)
        items = list(missing.items())
        for start in range(0, len(items), BATCH_SIZE):
            batch = items[start : start + BATCH_SIZE]
            async with self._limit(provider):
                result = await model.embed([text for _, text in batch])
                self.provider_calls += 1
            fresh = {
                digest: tuple(float(v) for v in vector)
                for (digest, _), vector in zip(batch, result.vectors, strict=True)
            }
            await asyncio.to_thread(self._store, key, fresh)
            cached.update(fresh)
        return [cached[digest] for digest in hashes]

    def _store(self, key: str, vectors: dict[str, Vector]) -> None:
        rows = [self._row(key, digest, vector) for digest, vector in vectors.items()]
        try:
            with self._db.transaction() as session:
                session.add_all(rows)
            return
        except IntegrityError:
            pass  # some were stored concurrently: store the rest one by one
        for digest, vector in vectors.items():
            try:
                with self._db.transaction() as session:
                    session.add(self._row(key, digest, vector))
            except IntegrityError:
                continue  # another worker stored the same text first: same vector

    @staticmethod
    def _row(key: str, digest: str, vector: Vector) -> CachedEmbedding:
        return CachedEmbedding(
            model_key=key, text_hash=digest, dimension=len(vector), vector=_pack(vector)
        )

    def _limit(self, provider: str) -> asyncio.Semaphore:
        loop_key = (id(asyncio.get_running_loop()), provider)
        with self._lock:
            semaphore = self._limits.get(loop_key)
            if semaphore is None:
                semaphore = self._limits[loop_key] = asyncio.Semaphore(PROVIDER_CONCURRENCY)
            return semaphore
