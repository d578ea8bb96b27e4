"""The SSRF guard as asynchronous httpx transports.

:class:`SsrfGuardTransport` wraps any inner transport: it refuses non-http(s) URLs and hosts
whose addresses the policy refuses (resolving names when ``check_names`` is set, i.e. when an
egress proxy does the connecting), and caps every response's size (after decoding) and total
time. Redirects are followed by the client, so every hop comes through here again.

:class:`PinnedHTTPTransport` is the inner transport for direct connections: its connection pool
resolves a host once, checks *every* address, and connects only to the checked address, so no
DNS answer can change between the check and the connection (no rebinding window). TLS still
verifies the certificate against the URL's host name.
"""

from __future__ import annotations

import ssl
import time
import typing
from collections.abc import AsyncIterator

import anyio
import httpcore
import httpx

from yarrow.net.addresses import AddressPolicy, IPAddress, parse_ip_literal
from yarrow.net.checks import (
    ALLOWED_SCHEMES,
    DEFAULT_POOL,
    FetchLimits,
    judge,
    prepare_request,
    response_body_plan,
)
from yarrow.net.decoding import BodyMeter
from yarrow.net.errors import BlockedDestination, FetchTimeout
from yarrow.net.resolver import Resolver

__all__ = [
    "ALLOWED_SCHEMES",
    "FetchLimits",
    "GuardedNetworkBackend",
    "PinnedHTTPTransport",
    "SsrfGuardTransport",
    "check_addresses",
]


async def check_addresses(
    host: str, port: int, policy: AddressPolicy, resolver: Resolver
) -> list[IPAddress]:
    """The addresses of ``host``, all allowed by ``policy``; else ``BlockedDestination``."""
    literal = parse_ip_literal(host)
    addresses = [literal] if literal is not None else await resolver.resolve(host, port)
    return judge(host, addresses, policy)


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Connects only to policy-allowed addresses of the requested host, resolved once."""

    def __init__(
        self,
        policy: AddressPolicy,
        resolver: Resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._policy = policy
        self._resolver = resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await check_addresses(host, port, self._policy, self._resolver)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedDestination("Unix sockets are never reachable from a user-supplied URL.")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedHTTPTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool whose connections go through the guard."""

    def __init__(
        self,
        policy: AddressPolicy,
        resolver: Resolver,
        *,
        ssl_context: ssl.SSLContext | None = None,
        limits: httpx.Limits = DEFAULT_POOL,
        connect_retries: int = 0,
    ) -> None:
        context = ssl_context or ssl.create_default_context()
        super().__init__(verify=context, trust_env=False, limits=limits)
        # httpx builds its pool without a network backend parameter; this replaces it with the
        # same pool over the guarded backend (tests prove the guard is in effect).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            retries=connect_retries,
            network_backend=GuardedNetworkBackend(policy, resolver),
        )


class SsrfGuardTransport(httpx.AsyncBaseTransport):
    """Checks every request's URL and caps every response (see module docstring)."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        policy: AddressPolicy,
        resolver: Resolver,
        limits: FetchLimits | None = None,
        check_names: bool = True,
    ) -> None:
        self._inner = inner
        self._policy = policy
        self._resolver = resolver
        self._limits = limits or FetchLimits()
        self._check_names = check_names

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        deadline = time.monotonic() + self._limits.total_timeout
        host, port, literal = prepare_request(request)
        if literal is not None:
            judge(host, [literal], self._policy)
        elif self._check_names:
            judge(host, await self._resolver.resolve(host, port), self._policy)
        try:
            with anyio.fail_after(max(deadline - time.monotonic(), 0.001)):
                response = await self._inner.handle_async_request(request)
        except TimeoutError as exc:
            raise FetchTimeout() from exc
        try:
            headers, meter = response_body_plan(response, self._limits)
        except BaseException:
            await response.aclose()
            raise
        return httpx.Response(
            status_code=response.status_code,
            headers=headers,
            stream=_CappedStream(response, deadline, meter),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


class _CappedStream(httpx.AsyncByteStream):
    """The inner response body, metered, refused past the deadline."""

    def __init__(self, response: httpx.Response, deadline: float, meter: BodyMeter) -> None:
        self._response = response
        self._deadline = deadline
        self._meter = meter

    async def __aiter__(self) -> AsyncIterator[bytes]:
        body = self._response.stream
        if not isinstance(body, httpx.AsyncByteStream):
            raise TypeError("the inner transport returned a synchronous body")
        iterator = body.__aiter__()
        while True:
            remaining = self._deadline - time.monotonic()
            try:
                with anyio.fail_after(max(remaining, 0.001)):
                    chunk = await iterator.__anext__()
            except StopAsyncIteration:
                break
            except TimeoutError as exc:
                raise FetchTimeout("The remote server did not send its body in time.") from exc
            for piece in self._meter.feed(chunk):
                yield piece
        for piece in self._meter.finish():
            yield piece

    async def aclose(self) -> None:
        await self._response.aclose()
