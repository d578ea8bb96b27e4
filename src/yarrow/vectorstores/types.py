"""Value types shared by every vector store: records, hits, capabilities, health."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: A metadata value. Metadata is flat: nested lists or objects are refused. ``None`` is stored,
#: but no filter matches it (it behaves like a missing key).
MetadataValue = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class VectorRecord:
    """One indexed unit: a segment (or child chunk) with its embedding.

    ``id`` is the segment's own id (Dify's ``index_node_id``), never a hash of the text, so two
    segments with identical text stay two records and an upsert with the same id replaces.
    """

    id: str
    document_id: str
    text: str
    vector: tuple[float, ...]
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A search result.

    ``score`` is in [0, 1] and computed identically on every backend (see
    :mod:`yarrow.vectorstores.scoring`). ``vector`` is filled only when the search asked for it.
    """

    id: str
    document_id: str
    text: str
    score: float
    metadata: Mapping[str, MetadataValue]
    vector: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class RawHit:
    """What a backend hands to the shared scoring code: a stored record plus engine order.

    ``distance`` is the cosine distance (1 - cosine similarity) for vector searches and ``None``
    for full-text searches, where the engine's order is kept as a tie-breaker only.
    """

    id: str
    document_id: str
    text: str
    metadata: Mapping[str, MetadataValue]
    vector: tuple[float, ...] | None
    distance: float | None


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a backend offers, so callers can choose without try/except.

    Attributes:
        full_text: ``search_by_full_text`` works.
        metadata_filter: searches, counts and deletes accept a :mod:`~yarrow.vectorstores.filters`
            filter on ``document_id``, ``id`` and metadata keys.
        ann_index: vector search can use an approximate index (results may then differ
            slightly from exact search).
        persistent: data survives a restart of the process.
        max_dimension: the largest vector dimension accepted.
    """

    full_text: bool
    metadata_filter: bool
    ann_index: bool
    persistent: bool
    max_dimension: int


@dataclass(frozen=True, slots=True)
class HealthStatus:
    """Outcome of ``VectorStore.health()``; never raised, always returned."""

    ok: bool
    backend: str
    detail: str = ""
    latency_ms: float = 0.0


__all__ = ["Capabilities", "HealthStatus", "MetadataValue", "RawHit", "SearchHit", "VectorRecord"]
