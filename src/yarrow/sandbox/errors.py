"""Errors of the sandbox service and of its client, in the categories of :mod:`yarrow.errors`."""

from __future__ import annotations

from yarrow.errors import InvalidInput, QuotaExceeded, UpstreamUnavailable


class SandboxBusy(QuotaExceeded):
    """The service already holds as many runs (queued and running) as it accepts."""

    code = "sandbox_busy"
    default_message = "Too many requests"


class UnsupportedLanguage(InvalidInput):
    """The request names a language the sandbox does not run."""

    code = "unsupported_language"
    default_message = "unsupported language"


class SandboxUnavailable(UpstreamUnavailable):
    """The sandbox could not be reached, timed out, was overloaded or answered nonsense."""

    code = "sandbox_unavailable"
    default_message = "The code sandbox is unavailable."


class SandboxRejected(UpstreamUnavailable):
    """The sandbox refused the request itself (wrong key, malformed request, bad language)."""

    code = "sandbox_rejected"
    default_message = "The code sandbox rejected the request."


class CodeExecutionError(InvalidInput):
    """The user's code ran and failed (non-zero exit, error output, or a limit was hit)."""

    code = "code_execution_error"
    default_message = "Code execution failed."
