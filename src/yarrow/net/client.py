"""Build the SSRF-guarded ``httpx.AsyncClient``: the only way to fetch a user-supplied URL.

Direct mode (no ``SSRF_PROXY_*``): connections are pinned to checked addresses by
:class:`~yarrow.net.transport.PinnedHTTPTransport`. Proxy mode: requests go to the egress proxy
(the squid we ship refuses private destinations itself); the guard also resolves and checks the
target first, so a misconfigured proxy does not open a hole. Either way every redirect hop is
checked, and responses are capped in size and total time.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

import httpx

from yarrow.net.addresses import AddressPolicy
from yarrow.net.resolver import Resolver, SystemResolver
from yarrow.net.transport import FetchLimits, PinnedHTTPTransport, SsrfGuardTransport
from yarrow.settings.ssrf import SsrfSettings


@dataclass(frozen=True)
class ClientOptions:
    """Per-client overrides of the settings (for callers with their own limits)."""

    max_response_bytes: int | None = None
    total_timeout: float | None = None
    follow_redirects: bool = True


def build_ssrf_client(
    settings: SsrfSettings,
    *,
    resolver: Resolver | None = None,
    options: ClientOptions | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` that refuses private destinations (see module docstring).

    Errors raised by requests: ``InvalidUrl`` and ``BlockedDestination`` (400),
    ``ResponseTooLarge`` (413), ``FetchTimeout`` (503), plus httpx's own transport errors.
    """
    options = options or ClientOptions()
    resolver = resolver or SystemResolver()
    policy = AddressPolicy.from_strings(settings.allowed_networks)
    limits = FetchLimits(
        total_timeout=options.total_timeout or settings.yarrow_ssrf_total_time_out,
        max_response_bytes=options.max_response_bytes or settings.http_request_node_max_binary_size,
    )
    pool = httpx.Limits(
        max_connections=settings.ssrf_pool_max_connections,
        max_keepalive_connections=settings.ssrf_pool_max_keepalive_connections,
        keepalive_expiry=settings.ssrf_pool_keepalive_expiry,
    )
    context = ssl_context or ssl.create_default_context()

    def guard(proxy: str | None) -> SsrfGuardTransport:
        inner: httpx.AsyncBaseTransport
        if proxy:
            inner = httpx.AsyncHTTPTransport(
                proxy=proxy,
                verify=context,
                trust_env=False,
                limits=pool,
                retries=settings.ssrf_default_max_retries,
            )
        else:
            inner = PinnedHTTPTransport(
                policy,
                resolver,
                ssl_context=context,
                limits=pool,
                connect_retries=settings.ssrf_default_max_retries,
            )
        return SsrfGuardTransport(
            inner, policy=policy, resolver=resolver, limits=limits, check_names=bool(proxy)
        )

    http_guard = guard(settings.ssrf_proxy_http_url or settings.ssrf_proxy_all_url)
    https_guard = guard(settings.ssrf_proxy_https_url or settings.ssrf_proxy_all_url)
    timeout = httpx.Timeout(
        settings.ssrf_default_time_out,
        connect=settings.ssrf_default_connect_time_out,
        read=settings.ssrf_default_read_time_out,
        write=settings.ssrf_default_write_time_out,
    )
    return httpx.AsyncClient(
        transport=http_guard,
        mounts={"http://": http_guard, "https://": https_guard},
        timeout=timeout,
        follow_redirects=options.follow_redirects,
        max_redirects=settings.yarrow_ssrf_max_redirects,
        trust_env=False,
    )
