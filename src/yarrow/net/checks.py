"""The guard's decisions, shared by the async and the blocking transports."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from yarrow.net.addresses import AddressPolicy, IPAddress, parse_ip_literal
from yarrow.net.decoding import ACCEPT_ENCODING, BodyMeter
from yarrow.net.errors import BlockedDestination, InvalidUrl, ResponseTooLarge

ALLOWED_SCHEMES = frozenset({"http", "https"})
DEFAULT_POOL = httpx.Limits(max_connections=100, max_keepalive_connections=20)


@dataclass(frozen=True)
class FetchLimits:
    """Caps on one request: total seconds (connect to last body byte) and body bytes."""

    total_timeout: float = 30.0
    max_response_bytes: int = 10 * 1024 * 1024


def judge(host: str, addresses: list[IPAddress], policy: AddressPolicy) -> list[IPAddress]:
    """``addresses`` if the policy allows every one of them; else ``BlockedDestination``."""
    for address in addresses:
        reason = policy.refusal(address)
        if reason is not None:
            raise BlockedDestination(
                f"Refusing to connect to {host!r}: it resolves to {address}, {reason}."
            )
    return addresses


def prepare_request(request: httpx.Request) -> tuple[str, int, IPAddress | None]:
    """Validate the URL of ``request`` and restrict its encodings.

    Returns the host, the port and the host's address if the host is an IP literal.
    """
    url = request.url
    if url.scheme not in ALLOWED_SCHEMES:
        raise InvalidUrl(f"Only http and https URLs can be fetched, not {url.scheme!r}.")
    if not url.host:
        raise InvalidUrl("The URL has no host.")
    request.headers["Accept-Encoding"] = ACCEPT_ENCODING
    port = url.port or (443 if url.scheme == "https" else 80)
    return url.host, port, parse_ip_literal(url.host)


def response_body_plan(
    response: httpx.Response, limits: FetchLimits
) -> tuple[httpx.Headers, BodyMeter]:
    """Headers to hand on and the meter for the body; refuses a declared oversized body.

    When the guard decodes the body, ``Content-Encoding`` and ``Content-Length`` are dropped.
    """
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_response_bytes:
        raise ResponseTooLarge(
            f"The response declares {declared} bytes; the limit is {limits.max_response_bytes}."
        )
    encoding = response.headers.get("content-encoding", "")
    meter = BodyMeter(limits.max_response_bytes, encoding)
    headers = response.headers
    if encoding.strip().lower() not in ("", "identity"):
        headers = httpx.Headers(
            [
                (k, v)
                for k, v in response.headers.multi_items()
                if k.lower() not in ("content-encoding", "content-length")
            ]
        )
    return headers, meter
