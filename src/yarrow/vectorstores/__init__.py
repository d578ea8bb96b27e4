"""Vector stores behind one typed interface, a registry, and backends.

Import backends from their modules (``yarrow.vectorstores.lancedb``,
``yarrow.vectorstores.pgvector``) or through :class:`VectorStoreRegistry`; this package imports
no vendor SDK. See ``docs/vectorstores.md``.
"""

from yarrow.vectorstores.base import VectorStore
from yarrow.vectorstores.errors import (
    CollectionNotFound,
    DimensionMismatch,
    InvalidCollectionName,
    InvalidFilter,
    InvalidRecord,
    UnknownVectorStore,
    UnsupportedCapability,
    VectorStoreUnavailable,
)
from yarrow.vectorstores.filters import And, Eq, Filter, In, Not, Or, Range, document_ids
from yarrow.vectorstores.registry import VectorStoreRegistry
from yarrow.vectorstores.types import (
    Capabilities,
    HealthStatus,
    MetadataValue,
    SearchHit,
    VectorRecord,
)

__all__ = [
    "And",
    "Capabilities",
    "CollectionNotFound",
    "DimensionMismatch",
    "Eq",
    "Filter",
    "HealthStatus",
    "In",
    "InvalidCollectionName",
    "InvalidFilter",
    "InvalidRecord",
    "MetadataValue",
    "Not",
    "Or",
    "Range",
    "SearchHit",
    "UnknownVectorStore",
    "UnsupportedCapability",
    "VectorRecord",
    "VectorStore",
    "VectorStoreRegistry",
    "VectorStoreUnavailable",
    "document_ids",
]
