"""The SSRF guard as blocking httpx transports (Celery tasks, extractors, other sync code).

Same checks as :mod:`yarrow.net.transport`. A blocking read cannot be interrupted, so the total
time limit is checked between chunks and each read waits at most the read timeout: a fetch may
overrun ``total_timeout`` by at most one read timeout.
"""

from __future__ import annotations

import ssl
import time
import typing
from collections.abc import Iterator

import httpcore
import httpx

from yarrow.net.addresses import AddressPolicy, IPAddress, parse_ip_literal
from yarrow.net.checks import (
    DEFAULT_POOL,
    FetchLimits,
    judge,
    prepare_request,
    response_body_plan,
)
from yarrow.net.decoding import BodyMeter
from yarrow.net.errors import BlockedDestination, FetchTimeout
from yarrow.net.resolver import BlockingResolver


def check_addresses_blocking(
    host: str, port: int, policy: AddressPolicy, resolver: BlockingResolver
) -> list[IPAddress]:
    """The addresses of ``host``, all allowed by ``policy``; else ``BlockedDestination``."""
    literal = parse_ip_literal(host)
    addresses = [literal] if literal is not None else resolver.resolve_blocking(host, port)
    return judge(host, addresses, policy)


#: Clock slack when deciding whether an httpx timeout was the total limit.
_SLACK = 0.05


class GuardedSyncNetworkBackend(httpcore.NetworkBackend):
    """Connects only to policy-allowed addresses of the requested host, resolved once."""

    def __init__(self, policy: AddressPolicy, resolver: BlockingResolver) -> None:
        self._policy = policy
        self._resolver = resolver
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = check_addresses_blocking(host, port, self._policy, self._resolver)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise BlockedDestination("Unix sockets are never reachable from a user-supplied URL.")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class PinnedHTTPSyncTransport(httpx.HTTPTransport):
    """httpx's blocking transport over a pool whose connections go through the guard."""

    def __init__(
        self,
        policy: AddressPolicy,
        resolver: BlockingResolver,
        *,
        ssl_context: ssl.SSLContext | None = None,
        limits: httpx.Limits = DEFAULT_POOL,
        connect_retries: int = 0,
    ) -> None:
        context = ssl_context or ssl.create_default_context()
        super().__init__(verify=context, trust_env=False, limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            retries=connect_retries,
            network_backend=GuardedSyncNetworkBackend(policy, resolver),
        )


class SsrfGuardSyncTransport(httpx.BaseTransport):
    """Checks every request's URL and caps every response (blocking twin of the async one)."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        policy: AddressPolicy,
        resolver: BlockingResolver,
        limits: FetchLimits | None = None,
        check_names: bool = True,
    ) -> None:
        self._inner = inner
        self._policy = policy
        self._resolver = resolver
        self._limits = limits or FetchLimits()
        self._check_names = check_names

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = time.monotonic() + self._limits.total_timeout
        host, port, literal = prepare_request(request)
        if literal is not None:
            judge(host, [literal], self._policy)
        elif self._check_names:
            judge(host, self._resolver.resolve_blocking(host, port), self._policy)
        _shorten_timeouts(request, self._limits.total_timeout)
        try:
            response = self._inner.handle_request(request)
        except httpx.TimeoutException as exc:
            if time.monotonic() >= deadline - _SLACK:
                raise FetchTimeout() from exc
            raise
        if time.monotonic() > deadline:
            response.close()
            raise FetchTimeout()
        try:
            headers, meter = response_body_plan(response, self._limits)
        except BaseException:
            response.close()
            raise
        return httpx.Response(
            status_code=response.status_code,
            headers=headers,
            stream=_CappedSyncStream(response, deadline, meter),
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        self._inner.close()


def _shorten_timeouts(request: httpx.Request, total: float) -> None:
    """No single connect, read or write may wait longer than the whole fetch may take."""
    timeouts = dict(request.extensions.get("timeout", {}))
    for phase in ("connect", "read", "write", "pool"):
        current = timeouts.get(phase)
        timeouts[phase] = total if current is None else min(current, total)
    request.extensions["timeout"] = timeouts


class _CappedSyncStream(httpx.SyncByteStream):
    def __init__(self, response: httpx.Response, deadline: float, meter: BodyMeter) -> None:
        self._response = response
        self._deadline = deadline
        self._meter = meter

    def __iter__(self) -> Iterator[bytes]:
        body = self._response.stream
        if not isinstance(body, httpx.SyncByteStream):
            raise TypeError("the inner transport returned an asynchronous body")
        try:
            for chunk in body:
                if time.monotonic() > self._deadline:
                    raise FetchTimeout("The remote server did not send its body in time.")
                yield from self._meter.feed(chunk)
        except httpx.TimeoutException as exc:
            if time.monotonic() >= self._deadline - _SLACK:
                raise FetchTimeout("The remote server did not send its body in time.") from exc
            raise
        yield from self._meter.finish()

    def close(self) -> None:
        self._response.close()
