"""Build the SSRF-guarded httpx clients: the only way to fetch a user-supplied URL.

Direct mode (no ``SSRF_PROXY_*``): connections are pinned to checked addresses by the pinned
transports. Proxy mode: requests go to the egress proxy (the squid we ship refuses private
destinations itself); the guard also resolves and checks the target first, so a misconfigured
proxy does not open a hole. Either way every redirect hop is checked, and responses are capped
in (decoded) size and total time.

Errors raised by requests: ``InvalidUrl`` and ``BlockedDestination`` (400),
``ResponseTooLarge`` (413), ``FetchTimeout`` and ``UnsupportedContentEncoding`` (503), plus
httpx's own transport errors (``httpx.ConnectError``, ``httpx.TooManyRedirects``, ...).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

import httpx

from yarrow.net.addresses import AddressPolicy
from yarrow.net.checks import FetchLimits
from yarrow.net.resolver import BlockingResolver, Resolver, SystemResolver
from yarrow.net.sync_transport import PinnedHTTPSyncTransport, SsrfGuardSyncTransport
from yarrow.net.transport import PinnedHTTPTransport, SsrfGuardTransport
from yarrow.settings.ssrf import SsrfSettings


@dataclass(frozen=True)
class ClientOptions:
    """Per-client overrides of the settings (for callers with their own limits)."""

    max_response_bytes: int | None = None
    total_timeout: float | None = None
    follow_redirects: bool = True


@dataclass(frozen=True)
class _Plan:
    policy: AddressPolicy
    limits: FetchLimits
    pool: httpx.Limits
    context: ssl.SSLContext
    retries: int
    http_proxy: str | None
    https_proxy: str | None
    client_kwargs: dict[str, Any]


def _plan(
    settings: SsrfSettings, options: ClientOptions | None, ssl_context: ssl.SSLContext | None
) -> _Plan:
    options = options or ClientOptions()
    return _Plan(
        policy=AddressPolicy.from_strings(settings.allowed_networks),
        limits=FetchLimits(
            total_timeout=options.total_timeout or settings.yarrow_ssrf_total_time_out,
            max_response_bytes=options.max_response_bytes
            or settings.http_request_node_max_binary_size,
        ),
        pool=httpx.Limits(
            max_connections=settings.ssrf_pool_max_connections,
            max_keepalive_connections=settings.ssrf_pool_max_keepalive_connections,
            keepalive_expiry=settings.ssrf_pool_keepalive_expiry,
        ),
        context=ssl_context or ssl.create_default_context(),
        retries=settings.ssrf_default_max_retries,
        http_proxy=settings.ssrf_proxy_http_url or settings.ssrf_proxy_all_url,
        https_proxy=settings.ssrf_proxy_https_url or settings.ssrf_proxy_all_url,
        client_kwargs={
            "timeout": httpx.Timeout(
                settings.ssrf_default_time_out,
                connect=settings.ssrf_default_connect_time_out,
                read=settings.ssrf_default_read_time_out,
                write=settings.ssrf_default_write_time_out,
            ),
            "follow_redirects": options.follow_redirects,
            "max_redirects": settings.yarrow_ssrf_max_redirects,
            "trust_env": False,
        },
    )


def _guards(plan: _Plan, resolver: Any, blocking: bool) -> tuple[Any, Any]:
    """The guard transports for http:// and https:// (each direct or through its proxy)."""
    proxy_cls: Any = httpx.HTTPTransport if blocking else httpx.AsyncHTTPTransport
    pinned_cls: Any = PinnedHTTPSyncTransport if blocking else PinnedHTTPTransport
    guard_cls: Any = SsrfGuardSyncTransport if blocking else SsrfGuardTransport

    def guard(proxy: str | None) -> Any:
        if proxy:
            inner = proxy_cls(
                proxy=proxy,
                verify=plan.context,
                trust_env=False,
                limits=plan.pool,
                retries=plan.retries,
            )
        else:
            inner = pinned_cls(
                plan.policy,
                resolver,
                ssl_context=plan.context,
                limits=plan.pool,
                connect_retries=plan.retries,
            )
        return guard_cls(
            inner,
            policy=plan.policy,
            resolver=resolver,
            limits=plan.limits,
            check_names=bool(proxy),
        )

    return guard(plan.http_proxy), guard(plan.https_proxy)


def build_ssrf_client(
    settings: SsrfSettings,
    *,
    resolver: Resolver | None = None,
    options: ClientOptions | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` that refuses private destinations (see module docstring)."""
    plan = _plan(settings, options, ssl_context)
    http_guard, https_guard = _guards(plan, resolver or SystemResolver(), blocking=False)
    return httpx.AsyncClient(
        transport=http_guard,
        mounts={"http://": http_guard, "https://": https_guard},
        **plan.client_kwargs,
    )


def build_ssrf_sync_client(
    settings: SsrfSettings,
    *,
    resolver: BlockingResolver | None = None,
    options: ClientOptions | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.Client:
    """The blocking twin of :func:`build_ssrf_client` (same checks; see ``sync_transport``)."""
    plan = _plan(settings, options, ssl_context)
    http_guard, https_guard = _guards(plan, resolver or SystemResolver(), blocking=True)
    return httpx.Client(
        transport=http_guard,
        mounts={"http://": http_guard, "https://": https_guard},
        **plan.client_kwargs,
    )
