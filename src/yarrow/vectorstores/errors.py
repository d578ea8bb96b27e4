"""Errors raised by vector stores; each subclasses one category of :mod:`yarrow.errors`."""

from __future__ import annotations

from yarrow.errors import ConfigurationError, InvalidInput, NotFound, UpstreamUnavailable


class VectorStoreUnavailable(UpstreamUnavailable):
    """The backend could not be reached, timed out, or failed while serving a request."""

    code = "vector_store_unavailable"
    default_message = "The vector store is unavailable."


class CollectionNotFound(NotFound):
    """The named collection does not exist (create it with ``create_collection`` first)."""

    code = "collection_not_found"
    default_message = "Vector collection not found."


class DimensionMismatch(InvalidInput):
    """A vector's length differs from the collection's dimension."""

    code = "dimension_mismatch"
    default_message = "Vector dimension does not match the collection."


class InvalidFilter(InvalidInput):
    """A metadata filter names an invalid field or carries a value of the wrong type."""

    code = "invalid_filter"
    default_message = "Invalid metadata filter."


class InvalidRecord(InvalidInput):
    """A record to upsert is malformed (id, text, vector or metadata)."""

    code = "invalid_record"
    default_message = "Invalid vector record."


class InvalidCollectionName(InvalidInput):
    """A collection name outside ``[A-Za-z][A-Za-z0-9_]{0,127}``."""

    code = "invalid_collection_name"
    default_message = "Invalid collection name."


class UnsupportedCapability(InvalidInput):
    """The backend does not offer the requested operation (see its ``capabilities``)."""

    code = "unsupported_capability"
    default_message = "This vector store does not support the operation."


class UnknownVectorStore(ConfigurationError):
    """``VECTOR_STORE`` names a backend that is not installed; the message lists installed ones."""

    code = "unknown_vector_store"
    default_message = "Unknown vector store."


__all__ = [
    "CollectionNotFound",
    "DimensionMismatch",
    "InvalidCollectionName",
    "InvalidFilter",
    "InvalidRecord",
    "UnknownVectorStore",
    "UnsupportedCapability",
    "VectorStoreUnavailable",
]
