"""Object storage over Apache OpenDAL: one interface, every backend Dify supports.

Build the configured storage with :func:`build_storage` (in ``yarrow.entrypoints``) and pass the
:class:`ObjectStorage` down. Backends are looked up by Dify's ``STORAGE_TYPE`` names through the
``yarrow.storage`` entry-point group; :mod:`yarrow.testing.storage` is their conformance suite.
"""

from yarrow.storage.backends import StorageContext
from yarrow.storage.base import DEFAULT_CHUNK_SIZE, ObjectInfo, ObjectStorage, StorageCapabilities
from yarrow.storage.breaker import StorageBreaker, StorageCircuitOpen
from yarrow.storage.errors import (
    DownloadUrlUnavailable,
    InvalidObjectKey,
    ObjectNotFound,
    ObjectTooLarge,
    StorageConfigurationError,
    StorageUnavailable,
)
from yarrow.storage.opendal_storage import CallLimits, OpenDALStorage
from yarrow.storage.registry import available_backends, build_storage, get_backend
from yarrow.storage.signing import FileUrlSigner, InvalidDownloadSignature, ProxiedUrlSigner

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "CallLimits",
    "DownloadUrlUnavailable",
    "FileUrlSigner",
    "InvalidDownloadSignature",
    "InvalidObjectKey",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStorage",
    "ObjectTooLarge",
    "OpenDALStorage",
    "ProxiedUrlSigner",
    "StorageBreaker",
    "StorageCapabilities",
    "StorageCircuitOpen",
    "StorageConfigurationError",
    "StorageContext",
    "StorageUnavailable",
    "available_backends",
    "build_storage",
    "get_backend",
]
