"""Errors of ``yarrow.net``; each sits under one category of :mod:`yarrow.errors`.

All of them also derive from :class:`FetchError`, so a caller can catch every refusal or failure
of the guarded client in one clause (the category still decides the HTTP status).
"""

from __future__ import annotations

from yarrow.errors import InvalidInput, PayloadTooLarge, UpstreamUnavailable, YarrowError


class FetchError(YarrowError):
    """Any refusal or failure raised by the SSRF-guarded client itself."""


class InvalidUrl(InvalidInput, FetchError):
    """The URL is not an absolute http(s) URL we are willing to fetch."""

    code = "invalid_url"
    default_message = "Invalid URL."


class BlockedDestination(InvalidInput, FetchError):
    """The URL (or a redirect hop) resolves to an address the SSRF policy refuses."""

    code = "invalid_url"
    default_message = "The URL points to a private or reserved network address."


class ResponseTooLarge(PayloadTooLarge, FetchError):
    """The response body exceeded the configured byte limit."""

    code = "file_too_large"
    default_message = "The remote response is larger than the configured limit."


class FetchTimeout(UpstreamUnavailable, FetchError):
    """The remote server did not answer completely within the time limit."""

    default_message = "The remote server did not answer in time."
