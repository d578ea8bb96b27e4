"""Typed errors of model calls, each under one category of :mod:`yarrow.errors`.

Providers translate their SDK's exceptions into these at the adapter (chained with ``from``);
the resilience layer retries exactly the ones whose ``retryable`` is true.

    ModelError
    ├── ModelAuthError            InvalidInput         bad or missing provider credentials
    ├── ModelBadRequestError      InvalidInput         the provider refused the request
    │   └── ContextTooLongError                         prompt + output exceed the context size
    ├── ModelNotSupportedError    InvalidInput         unknown model or unsupported model type
    ├── ModelRateLimitError       QuotaExceeded        retryable, may carry ``retry_after``
    ├── ModelQuotaError           QuotaExceeded        out of credit; not retryable
    └── ModelUnavailableError     UpstreamUnavailable  retryable: connection, 5xx, crash
        ├── ModelTimeoutError                           the call exceeded its timeout
        └── CircuitOpenError                            not retryable: fail fast
"""

from __future__ import annotations

from typing import ClassVar

from yarrow.errors import InvalidInput, QuotaExceeded, UpstreamUnavailable, YarrowError


class ModelError(YarrowError):
    """Base of model-call errors; ``retryable`` tells the retry loop whether to try again."""

    retryable: ClassVar[bool] = False
    retry_after: float | None = None


class ModelAuthError(ModelError, InvalidInput):
    """The provider rejected the credentials (HTTP 401/403). Never retried."""

    code = "provider_auth_failed"
    default_message = "The model provider rejected the credentials."


class ModelBadRequestError(ModelError, InvalidInput):
    """The provider refused the request as malformed or unsupported."""

    code = "model_bad_request"
    default_message = "The model provider refused the request."


class ContextTooLongError(ModelBadRequestError):
    """Prompt and requested output do not fit the model's context window."""

    code = "context_too_long"
    default_message = "The prompt is too long for the model's context window."


class ModelNotSupportedError(ModelError, InvalidInput):
    """The provider does not offer this model or model type."""

    code = "model_not_supported"
    default_message = "The model is not supported by this provider."


class ModelRateLimitError(ModelError, QuotaExceeded):
    """The provider asked us to slow down (HTTP 429)."""

    code = "rate_limit_error"
    default_message = "The model provider is rate limiting requests."
    retryable = True

    def __init__(self, message: str | None = None, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ModelQuotaError(ModelError, QuotaExceeded):
    """The credential has no quota or credit left."""

    code = "quota_exceeded"
    default_message = "The model provider quota is exhausted."


class ModelUnavailableError(ModelError, UpstreamUnavailable):
    """The provider could not be reached, crashed, or answered with a server error."""

    code = "upstream_unavailable"
    default_message = "The model provider is unavailable."
    retryable = True


class ModelTimeoutError(ModelUnavailableError):
    """The call took longer than its timeout."""

    code = "upstream_timeout"
    default_message = "The model provider did not answer in time."


class CircuitOpenError(ModelUnavailableError):
    """Recent calls with this credential kept failing; calls fail fast until the breaker resets."""

    code = "upstream_circuit_open"
    default_message = "The model provider is failing; calls are paused briefly."
    retryable = False


_CONTEXT_HINTS = (
    "context length",
    "context_length",
    "context window",
    "maximum context",
    "too many tokens",
    "prompt is too long",
    "exceeds the available context",
)


def error_for_status(
    status: int, message: str, *, retry_after: float | None = None, code: str | None = None
) -> ModelError:
    """The model error for an HTTP error answer of a provider (status, message, vendor code)."""
    text = f"{message} ({code})" if code else message
    lowered = f"{message} {code or ''}".lower()
    if status in (401, 403):
        return ModelAuthError(f"The model provider rejected the credentials: {text}")
    if status == 402 or "insufficient_quota" in lowered or "credit balance" in lowered:
        return ModelQuotaError(f"The model provider quota is exhausted: {text}")
    if status == 429:
        return ModelRateLimitError(
            f"Rate limited by the model provider: {text}", retry_after=retry_after
        )
    if status == 404:
        return ModelNotSupportedError(f"The model provider does not know this model: {text}")
    if status == 408 or status >= 500:
        return ModelUnavailableError(f"The model provider failed (HTTP {status}): {text}")
    if any(hint in lowered for hint in _CONTEXT_HINTS):
        return ContextTooLongError(f"The prompt does not fit the model's context: {text}")
    return ModelBadRequestError(f"The model provider refused the request (HTTP {status}): {text}")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header in seconds form (dates are ignored)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


__all__ = [
    "CircuitOpenError",
    "ContextTooLongError",
    "ModelAuthError",
    "ModelBadRequestError",
    "ModelError",
    "ModelNotSupportedError",
    "ModelQuotaError",
    "ModelRateLimitError",
    "ModelTimeoutError",
    "ModelUnavailableError",
    "error_for_status",
    "parse_retry_after",
]
