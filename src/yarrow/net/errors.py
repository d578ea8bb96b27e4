"""Errors of ``yarrow.net``; each sits under one category of :mod:`yarrow.errors`."""

from __future__ import annotations

from yarrow.errors import InvalidInput, PayloadTooLarge, UpstreamUnavailable


class InvalidUrl(InvalidInput):
    """The URL is not an absolute http(s) URL we are willing to fetch."""

    code = "invalid_url"
    default_message = "Invalid URL."


class BlockedDestination(InvalidInput):
    """The URL (or a redirect hop) resolves to an address the SSRF policy refuses."""

    code = "invalid_url"
    default_message = "The URL points to a private or reserved network address."


class ResponseTooLarge(PayloadTooLarge):
    """The response body exceeded the configured byte limit."""

    code = "file_too_large"
    default_message = "The remote response is larger than the configured limit."


class FetchTimeout(UpstreamUnavailable):
    """The remote server did not answer completely within the time limit."""

    default_message = "The remote server did not answer in time."
