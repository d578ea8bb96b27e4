"""An in-process, exact vector store: the twin for tests of code that uses a ``VectorStore``.

It passes the same conformance suite as the real backends and can be switched "down"
(``available = False``) to test degradation: every operation then raises
:class:`VectorStoreUnavailable` and ``health()`` reports not ok. Nothing is persisted.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from typing import ClassVar

from yarrow.vectorstores.base import VectorStore
from yarrow.vectorstores.errors import VectorStoreUnavailable
from yarrow.vectorstores.filters import (
    And,
    Eq,
    Filter,
    In,
    Not,
    Or,
    Range,
    ScalarValue,
    value_kind,
)
from yarrow.vectorstores.scoring import TOKEN_RE
from yarrow.vectorstores.types import (
    Capabilities,
    HealthStatus,
    MetadataValue,
    RawHit,
    VectorRecord,
)


class InMemoryVectorStore(VectorStore):
    """Brute-force cosine search over dictionaries."""

    name: ClassVar[str] = "memory"
    capabilities: ClassVar[Capabilities] = Capabilities(
        full_text=True, metadata_filter=True, ann_index=False, persistent=False, max_dimension=16000
    )

    def __init__(self, *, available: bool = True) -> None:
        self.available = available
        self._lock = threading.RLock()
        self._collections: dict[str, tuple[int, dict[str, VectorRecord]]] = {}

    def _up(self) -> None:
        if not self.available:
            raise VectorStoreUnavailable("The in-memory vector store is switched off.")

    def _records(self, name: str) -> dict[str, VectorRecord]:
        self._up()
        return self._collections[name][1]

    def _dimension(self, name: str) -> int | None:
        self._up()
        entry = self._collections.get(name)
        return entry[0] if entry else None

    def _create(self, name: str, dimension: int) -> None:
        with self._lock:
            self._up()
            self._collections.setdefault(name, (dimension, {}))

    def _list(self) -> list[str]:
        self._up()
        return list(self._collections)

    def _drop(self, name: str) -> None:
        with self._lock:
            self._up()
            self._collections.pop(name, None)

    def _upsert(self, name: str, records: list[VectorRecord]) -> None:
        with self._lock:
            store = self._records(name)
            for record in records:
                store[record.id] = record

    def _delete_ids(self, name: str, ids: list[str]) -> None:
        with self._lock:
            store = self._records(name)
            for record_id in ids:
                store.pop(record_id, None)

    def _delete_documents(self, name: str, document_ids: list[str]) -> None:
        wanted = set(document_ids)
        with self._lock:
            store = self._records(name)
            for record_id in [r.id for r in store.values() if r.document_id in wanted]:
                del store[record_id]

    def _matching(self, name: str, flt: Filter | None) -> list[VectorRecord]:
        with self._lock:
            records = list(self._records(name).values())
        return [r for r in records if flt is None or matches(flt, r)]

    def _search_vector(
        self, name: str, vector: tuple[float, ...], top_k: int, flt: Filter | None, vectors: bool
    ) -> list[RawHit]:
        norm = math.sqrt(sum(v * v for v in vector))
        scored = []
        for record in self._matching(name, flt):
            dot = sum(a * b for a, b in zip(record.vector, vector, strict=True))
            other = math.sqrt(sum(v * v for v in record.vector))
            scored.append((1.0 - dot / (norm * other), record))
        scored.sort(key=lambda pair: (pair[0], pair[1].id))
        return [_raw(record, distance) for distance, record in scored[:top_k]]

    def _search_text(
        self, name: str, terms: list[str], limit: int, flt: Filter | None, vectors: bool
    ) -> list[RawHit]:
        wanted = set(terms)
        ranked = []
        for record in self._matching(name, flt):
            tokens = TOKEN_RE.findall(record.text.lower())
            frequency = sum(1 for token in tokens if token in wanted)
            if frequency:
                ranked.append((-frequency, record.id, record))
        ranked.sort(key=lambda item: (item[0], item[1]))
        return [_raw(record, None) for _, _, record in ranked[:limit]]

    def _count(self, name: str, flt: Filter | None) -> int:
        return len(self._matching(name, flt))

    def _iter(self, name: str, batch_size: int) -> Iterator[VectorRecord]:
        with self._lock:
            records = sorted(self._records(name).values(), key=lambda r: r.id)
        yield from records

    def health(self) -> HealthStatus:
        """Ok unless switched off."""
        started = time.perf_counter()
        detail = "in memory" if self.available else "switched off"
        return HealthStatus(self.available, self.name, detail, time.perf_counter() - started)


def _raw(record: VectorRecord, distance: float | None) -> RawHit:
    return RawHit(
        record.id, record.document_id, record.text, dict(record.metadata), record.vector, distance
    )


def _equal(stored: MetadataValue, wanted: ScalarValue) -> bool:
    if stored is None or value_kind(stored) != value_kind(wanted):
        return False
    if value_kind(wanted) == "number":
        return float(stored) == float(wanted)
    return stored == wanted


def _compare(value: float, op: str, bound: float) -> bool:
    if op == ">":
        return value > bound
    if op == ">=":
        return value >= bound
    if op == "<":
        return value < bound
    return value <= bound


def matches(flt: Filter, record: VectorRecord) -> bool:
    """Evaluate ``flt`` against ``record`` with the semantics of :mod:`~.filters`."""
    if isinstance(flt, Eq | In):
        wanted = (flt.value,) if isinstance(flt, Eq) else flt.values
        if flt.field in ("id", "document_id"):
            return getattr(record, flt.field) in wanted
        stored = record.metadata.get(flt.field)
        return any(_equal(stored, value) for value in wanted)
    if isinstance(flt, Range):
        value = record.metadata.get(flt.field)
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            return False
        number = float(value)
        return all(_compare(number, op, bound) for op, bound in flt.bounds())
    if isinstance(flt, And):
        return all(matches(c, record) for c in flt.conditions)
    if isinstance(flt, Or):
        return any(matches(c, record) for c in flt.conditions)
    if isinstance(flt, Not):
        return not matches(flt.condition, record)
    raise TypeError(f"not a filter: {flt!r}")


__all__ = ["InMemoryVectorStore", "matches"]
