"""Errors of ``yarrow.storage``; each sits under one category of :mod:`yarrow.errors`."""

from __future__ import annotations

from yarrow.errors import (
    ConfigurationError,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    UpstreamUnavailable,
)


class InvalidObjectKey(InvalidInput):
    """An object key or prefix that could escape its root or is not portable across backends."""

    default_message = "Invalid object key."


class ObjectNotFound(NotFound):
    """No object is stored under the key."""

    code = "file_not_found"
    default_message = "File not found."


class ObjectTooLarge(PayloadTooLarge):
    """A streamed save exceeded its byte limit; nothing was kept."""

    code = "file_too_large"
    default_message = "File size exceeded."


class StorageUnavailable(UpstreamUnavailable):
    """The storage backend failed, refused our credentials, or timed out after retries."""

    default_message = "Object storage is unavailable."


class StorageConfigurationError(ConfigurationError):
    """The storage settings name an unknown backend or an invalid backend option."""

    default_message = "Invalid object storage configuration."


class DownloadUrlUnavailable(ConfigurationError):
    """Neither presigned URLs nor a proxied-URL signer are configured for this storage."""

    default_message = "No way to hand out download URLs is configured."
