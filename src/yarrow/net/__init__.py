"""The SSRF-guarded HTTP client: the only way to fetch a user-supplied URL.

Build one with :func:`build_ssrf_client` (or the blocking :func:`build_ssrf_sync_client`) in
``yarrow.entrypoints`` and pass it down. It refuses
private, loopback, link-local, metadata, multicast and reserved destinations in every spelling,
pins each connection to the address it checked, re-checks every redirect hop and caps response
size and time. The transports and the address policy are usable on their own.
"""

from yarrow.net.addresses import AddressPolicy, parse_ip_literal
from yarrow.net.client import ClientOptions, build_ssrf_client, build_ssrf_sync_client
from yarrow.net.decoding import UnsupportedContentEncoding
from yarrow.net.errors import (
    BlockedDestination,
    FetchError,
    FetchTimeout,
    InvalidUrl,
    ResponseTooLarge,
)
from yarrow.net.resolver import BlockingResolver, Resolver, StaticResolver, SystemResolver
from yarrow.net.sync_transport import (
    GuardedSyncNetworkBackend,
    PinnedHTTPSyncTransport,
    SsrfGuardSyncTransport,
)
from yarrow.net.transport import (
    FetchLimits,
    GuardedNetworkBackend,
    PinnedHTTPTransport,
    SsrfGuardTransport,
)

__all__ = [
    "AddressPolicy",
    "BlockingResolver",
    "GuardedSyncNetworkBackend",
    "PinnedHTTPSyncTransport",
    "SsrfGuardSyncTransport",
    "UnsupportedContentEncoding",
    "build_ssrf_sync_client",
    "BlockedDestination",
    "ClientOptions",
    "FetchError",
    "FetchLimits",
    "FetchTimeout",
    "GuardedNetworkBackend",
    "InvalidUrl",
    "PinnedHTTPTransport",
    "Resolver",
    "ResponseTooLarge",
    "SsrfGuardTransport",
    "StaticResolver",
    "SystemResolver",
    "build_ssrf_client",
    "parse_ip_literal",
]
