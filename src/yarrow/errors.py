"""The one error tree of Yarrow.

Every error a layer raises on purpose derives from :class:`YarrowError`, through one of the
categories below. ``yarrow.api.errors`` maps categories to HTTP statuses once; a subclass may
carry a Dify error ``code`` (snake_case) and a default ``message``.

    YarrowError
    ├── InvalidInput          400  invalid_param / bad_request / ...
    ├── Unauthorized          401  unauthorized
    ├── PermissionDenied      403  forbidden
    ├── NotFound              404  not_found
    ├── Conflict              409  conflict
    ├── PayloadTooLarge       413  file_too_large / request_entity_too_large
    ├── UnsupportedMediaType  415  unsupported_file_type
    ├── QuotaExceeded         429  too_many_requests / rate_limit_error
    └── UpstreamUnavailable   503  upstream_unavailable (model provider, vector store, sandbox, ...)

Vendor exceptions are translated at the adapter that calls the vendor, and chained with ``from``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class YarrowError(Exception):
    """Root of every deliberate Yarrow error.

    Attributes:
        code: Dify-style snake_case error code shown to API clients.
        status: HTTP status the API layer answers with.
        message: human-readable text shown to API clients.
        params: optional name of the offending request field (Dify's ``params``).
    """

    code: ClassVar[str] = "internal_server_error"
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "Internal Server Error"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        params: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.error_code = code or self.code
        self.params = params
        self.extra = extra or {}
        super().__init__(self.message)


class InvalidInput(YarrowError):
    """The caller sent something we cannot accept."""

    code = "invalid_param"
    status = 400
    default_message = "Invalid parameter."


class Unauthorized(YarrowError):
    """Missing or invalid credentials."""

    code = "unauthorized"
    status = 401
    default_message = "Unauthorized."


class PermissionDenied(YarrowError):
    """Authenticated, but not allowed to do this."""

    code = "forbidden"
    status = 403
    default_message = "You do not have permission to perform this action."


class NotFound(YarrowError):
    """The object does not exist, or is not visible to the caller."""

    code = "not_found"
    status = 404
    default_message = "Not found."


class Conflict(YarrowError):
    """The request conflicts with the current state."""

    code = "conflict"
    status = 409
    default_message = "Conflict."


class PayloadTooLarge(YarrowError):
    """A body or file exceeds a configured limit."""

    code = "request_entity_too_large"
    status = 413
    default_message = "The request is larger than the configured limit."


class UnsupportedMediaType(YarrowError):
    """A file or body of a type we do not accept."""

    code = "unsupported_media_type"
    status = 415
    default_message = "Unsupported media type."


class QuotaExceeded(YarrowError):
    """A rate limit or quota was hit."""

    code = "too_many_requests"
    status = 429
    default_message = "Too many requests."


class UpstreamUnavailable(YarrowError):
    """A remote dependency (model, vector store, storage, sandbox, ...) failed or timed out."""

    code = "upstream_unavailable"
    status = 503
    default_message = "An upstream service is unavailable."


class ConfigurationError(YarrowError):
    """Settings are missing, contradictory or unsafe; raised at start-up, never per request."""

    code = "configuration_error"
    status = 500
    default_message = "Invalid configuration."


__all__ = [
    "ConfigurationError",
    "Conflict",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "QuotaExceeded",
    "Unauthorized",
    "UnsupportedMediaType",
    "UpstreamUnavailable",
    "YarrowError",
]
