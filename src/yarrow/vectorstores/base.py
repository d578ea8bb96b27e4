"""The ``VectorStore`` interface every backend implements.

Public methods validate their arguments and compute scores here, once, then call the backend's
``_hooks``; so validation errors, score normalisation, ordering and thresholds are identical on
every backend. Backends translate their vendor exceptions into
:class:`~yarrow.vectorstores.errors.VectorStoreUnavailable` (chained with ``from``).

Contracts:

* Collection names match ``[A-Za-z][A-Za-z0-9_]{0,127}`` and are case-insensitive: they are
  lower-cased before reaching a backend, and ``list_collections`` returns lower-case names.
* Upsert is idempotent per id; deletes of absent ids or collections are no-ops.
* Searches return at most ``top_k`` hits with ``score >= score_threshold`` ordered by score, then
  by id (vector search) or engine rank (full-text search). The threshold applies after scoring.
* Methods are synchronous and thread-safe; async callers run them in a worker thread.
"""

from __future__ import annotations

import abc
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import ClassVar

from yarrow.errors import InvalidInput
from yarrow.vectorstores.errors import (
    CollectionNotFound,
    DimensionMismatch,
    InvalidCollectionName,
    InvalidRecord,
    UnsupportedCapability,
)
from yarrow.vectorstores.filters import METADATA_KEY_RE, Filter, check_filter
from yarrow.vectorstores.scoring import cosine_score, coverage_score, terms
from yarrow.vectorstores.types import (
    Capabilities,
    HealthStatus,
    MetadataValue,
    RawHit,
    SearchHit,
    VectorRecord,
)

COLLECTION_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,127}")
MAX_TOP_K = 1000
#: Full-text searches fetch this many candidates per requested hit before coverage scoring.
FULL_TEXT_OVERFETCH = 4
MIN_FULL_TEXT_CANDIDATES = 20


class VectorStore(abc.ABC):
    """A rebuildable index of segments: vectors, text and flat metadata, grouped in collections."""

    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    # ----------------------------------------------------------------------------- collections
    def create_collection(self, collection: str, dimension: int) -> None:
        """Create ``collection`` for vectors of ``dimension``; no-op if it exists with that size.

        Raises:
            DimensionMismatch: the collection exists with another dimension.
        """
        name = self._name(collection)
        if isinstance(dimension, bool) or not isinstance(dimension, int):
            raise InvalidInput("dimension must be an integer.")
        if not 1 <= dimension <= self.capabilities.max_dimension:
            raise InvalidInput(
                f"dimension must be between 1 and {self.capabilities.max_dimension}."
            )
        existing = self._dimension(name)
        if existing is None:
            self._create(name, dimension)
        elif existing != dimension:
            raise DimensionMismatch(
                f"Collection {name!r} exists with dimension {existing}, not {dimension}."
            )

    def has_collection(self, collection: str) -> bool:
        """Whether ``collection`` exists."""
        return self._dimension(self._name(collection)) is not None

    def dimension(self, collection: str) -> int:
        """The vector dimension of ``collection``; raises :class:`CollectionNotFound`."""
        name = self._name(collection)
        dim = self._dimension(name)
        if dim is None:
            raise CollectionNotFound(f"Vector collection {name!r} does not exist.")
        return dim

    def list_collections(self) -> list[str]:
        """Names of every collection, sorted."""
        return sorted(self._list())

    def drop_collection(self, collection: str) -> None:
        """Delete ``collection`` and everything in it; no-op if it does not exist."""
        self._drop(self._name(collection))

    # ----------------------------------------------------------------------------- writes
    def upsert(self, collection: str, records: Sequence[VectorRecord]) -> None:
        """Insert or replace ``records`` by id.

        Raises:
            CollectionNotFound: create the collection first.
            DimensionMismatch: a vector's length differs from the collection's dimension.
            InvalidRecord: empty or duplicate id, NUL characters, a zero/NaN vector, or
                metadata that is not a flat mapping of valid keys to scalars.
        """
        name = self._name(collection)
        dim = self.dimension(name)
        seen: set[str] = set()
        checked = [_check_record(record, dim, seen) for record in records]
        if checked:
            self._upsert(name, checked)

    def delete(self, collection: str, ids: Sequence[str]) -> None:
        """Delete records by id; absent ids and collections are ignored."""
        name = self._name(collection)
        wanted = _check_ids(ids, "ids")
        if wanted and self._dimension(name) is not None:
            self._delete_ids(name, wanted)

    def delete_by_document(self, collection: str, document_ids: Sequence[str]) -> None:
        """Delete every record of these documents; absent ones are ignored."""
        name = self._name(collection)
        wanted = _check_ids(document_ids, "document_ids")
        if wanted and self._dimension(name) is not None:
            self._delete_documents(name, wanted)

    def optimize(self, collection: str) -> None:
        """Fold recent writes into indexes and build the ANN index once large enough.

        Cheap to call after each indexing batch; a no-op where the backend needs nothing.
        """
        self.dimension(collection)

    # ----------------------------------------------------------------------------- reads
    def search_by_vector(
        self,
        collection: str,
        vector: Sequence[float],
        *,
        top_k: int = 4,
        score_threshold: float = 0.0,
        filter: Filter | None = None,  # noqa: A002 - the domain word
        include_vectors: bool = False,
    ) -> list[SearchHit]:
        """Nearest records by cosine similarity; scores per :mod:`~.scoring`."""
        name = self._name(collection)
        _check_search_args(top_k, score_threshold)
        flt = check_filter(filter)
        query = _check_vector(vector, self.dimension(name), "query vector")
        raw = self._search_vector(name, query, top_k, flt, include_vectors)
        hits = [_hit(r, cosine_score(r.distance or 0.0), include_vectors) for r in raw]
        hits.sort(key=lambda h: (-h.score, h.id))
        return [h for h in hits if h.score >= score_threshold][:top_k]

    def search_by_full_text(
        self,
        collection: str,
        query: str,
        *,
        top_k: int = 4,
        score_threshold: float = 0.0,
        filter: Filter | None = None,  # noqa: A002 - the domain word
        include_vectors: bool = False,
    ) -> list[SearchHit]:
        """Records containing query terms, scored by term coverage per :mod:`~.scoring`.

        A query without any term (empty, punctuation only) returns no hits.
        """
        if not self.capabilities.full_text:
            raise UnsupportedCapability(f"{self.name} has no full-text search.")
        name = self._name(collection)
        _check_search_args(top_k, score_threshold)
        flt = check_filter(filter)
        if not isinstance(query, str):
            raise InvalidInput("query must be a string.")
        self.dimension(name)
        query_terms = terms(query)
        if not query_terms:
            return []
        limit = max(top_k * FULL_TEXT_OVERFETCH, MIN_FULL_TEXT_CANDIDATES)
        raw = self._search_text(name, query_terms, limit, flt, include_vectors)
        hits = [_hit(r, coverage_score(query_terms, r.text), include_vectors) for r in raw]
        hits = [h for h in hits if h.score > 0.0]
        hits.sort(key=lambda h: -h.score)  # stable: engine order breaks ties
        return [h for h in hits if h.score >= score_threshold][:top_k]

    def count(self, collection: str, filter: Filter | None = None) -> int:  # noqa: A002
        """Number of records, optionally only those matching ``filter``."""
        name = self._name(collection)
        flt = check_filter(filter)
        self.dimension(name)
        return self._count(name, flt)

    def iter_records(self, collection: str, *, batch_size: int = 512) -> Iterator[VectorRecord]:
        """Every record exactly once, with its vector (for backup and migration).

        Order is unspecified. Writes made while iterating may or may not be seen.
        """
        name = self._name(collection)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise InvalidInput("batch_size must be a positive integer.")
        self.dimension(name)
        return self._iter(name, batch_size)

    # ----------------------------------------------------------------------------- lifecycle
    @abc.abstractmethod
    def health(self) -> HealthStatus:
        """Probe the backend; never raises, returns ``ok=False`` with a reason when down."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections and handles; the store is unusable afterwards."""

    # ----------------------------------------------------------------------------- backend hooks
    @abc.abstractmethod
    def _dimension(self, name: str) -> int | None:
        """Dimension of collection ``name``, or ``None`` if it does not exist."""

    @abc.abstractmethod
    def _create(self, name: str, dimension: int) -> None: ...

    @abc.abstractmethod
    def _list(self) -> list[str]: ...

    @abc.abstractmethod
    def _drop(self, name: str) -> None: ...

    @abc.abstractmethod
    def _upsert(self, name: str, records: list[VectorRecord]) -> None: ...

    @abc.abstractmethod
    def _delete_ids(self, name: str, ids: list[str]) -> None: ...

    @abc.abstractmethod
    def _delete_documents(self, name: str, document_ids: list[str]) -> None: ...

    @abc.abstractmethod
    def _search_vector(
        self, name: str, vector: tuple[float, ...], top_k: int, flt: Filter | None, vectors: bool
    ) -> list[RawHit]:
        """The ``top_k`` nearest records with their cosine distance."""

    @abc.abstractmethod
    def _search_text(
        self, name: str, terms: list[str], limit: int, flt: Filter | None, vectors: bool
    ) -> list[RawHit]:
        """Up to ``limit`` records containing any of ``terms``, best first by engine rank."""

    @abc.abstractmethod
    def _count(self, name: str, flt: Filter | None) -> int: ...

    @abc.abstractmethod
    def _iter(self, name: str, batch_size: int) -> Iterator[VectorRecord]: ...

    @staticmethod
    def _name(collection: str) -> str:
        if not isinstance(collection, str) or not COLLECTION_NAME_RE.fullmatch(collection):
            raise InvalidCollectionName(
                f"Invalid collection name {collection!r}: use letters, digits and underscores, "
                "starting with a letter, at most 128 characters."
            )
        return collection.lower()


def _check_search_args(top_k: int, score_threshold: float) -> None:
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise InvalidInput(f"top_k must be an integer between 1 and {MAX_TOP_K}.")
    if (
        isinstance(score_threshold, bool)
        or not isinstance(score_threshold, int | float)
        or not 0.0 <= score_threshold <= 1.0
    ):
        raise InvalidInput("score_threshold must be a number between 0 and 1.")


def _check_ids(ids: Sequence[str], what: str) -> list[str]:
    if isinstance(ids, str):
        raise InvalidInput(f"{what} must be a list of strings, not a string.")
    out = list(dict.fromkeys(ids))
    for value in out:
        if not isinstance(value, str) or not value or "\x00" in value:
            raise InvalidInput(f"{what} must be non-empty strings without NUL characters.")
    return out


def _check_vector(vector: Sequence[float], dim: int, what: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in vector)
    except (TypeError, ValueError) as exc:
        raise InvalidRecord(f"The {what} must be a sequence of numbers.") from exc
    if len(values) != dim:
        raise DimensionMismatch(f"The {what} has {len(values)} dimensions; expected {dim}.")
    if not all(math.isfinite(v) for v in values):
        raise InvalidRecord(f"The {what} contains NaN or infinite values.")
    if not any(values):
        raise InvalidRecord(f"The {what} is all zeros; cosine similarity is undefined.")
    return values


def _check_record(record: VectorRecord, dim: int, seen: set[str]) -> VectorRecord:
    if not isinstance(record, VectorRecord):
        raise InvalidRecord(f"Expected a VectorRecord, got {type(record).__name__}.")
    for label, value in (("id", record.id), ("document_id", record.document_id)):
        if not isinstance(value, str) or not value or "\x00" in value:
            raise InvalidRecord(f"Record {label} must be a non-empty string without NUL.")
    if record.id in seen:
        raise InvalidRecord(f"Record id {record.id!r} appears twice in one upsert.")
    seen.add(record.id)
    if not isinstance(record.text, str) or "\x00" in record.text:
        raise InvalidRecord(f"Record {record.id!r}: text must be a string without NUL.")
    vector = _check_vector(record.vector, dim, f"vector of record {record.id!r}")
    metadata = _check_metadata(record.id, record.metadata)
    return VectorRecord(record.id, record.document_id, record.text, vector, metadata)


def _check_metadata(
    record_id: str, metadata: Mapping[str, MetadataValue]
) -> dict[str, MetadataValue]:
    if not isinstance(metadata, Mapping):
        raise InvalidRecord(f"Record {record_id!r}: metadata must be a mapping.")
    out: dict[str, MetadataValue] = {}
    for key, value in metadata.items():
        if not isinstance(key, str) or not METADATA_KEY_RE.fullmatch(key):
            raise InvalidRecord(f"Record {record_id!r}: invalid metadata key {key!r}.")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise InvalidRecord(
                f"Record {record_id!r}: metadata {key!r} must be a string, number, boolean or "
                "null (nested values are not stored)."
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidRecord(f"Record {record_id!r}: metadata {key!r} is not finite.")
        if isinstance(value, str) and "\x00" in value:
            raise InvalidRecord(f"Record {record_id!r}: metadata {key!r} contains NUL.")
        out[key] = value
    return out


def _hit(raw: RawHit, score: float, include_vectors: bool) -> SearchHit:
    vector = raw.vector if include_vectors else None
    return SearchHit(raw.id, raw.document_id, raw.text, score, dict(raw.metadata), vector)


__all__ = ["COLLECTION_NAME_RE", "MAX_TOP_K", "VectorStore"]
