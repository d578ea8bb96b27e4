"""The Redis client factory: standalone, Sentinel or Cluster from Dify's REDIS_* settings.

Every client retries connection errors for ``YARROW_REDIS_FAILOVER_SECONDS``, so a Sentinel
failover (about 2 s) or a cluster slot move is ridden out rather than surfaced. The Sentinel
client asks the sentinels for the master on every new connection, pub/sub connections included.
"""

from __future__ import annotations

import math
from typing import Any

import redis
from redis.backoff import ConstantBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
from redis.sentinel import Sentinel

from yarrow.cache.errors import RedisConfigurationError
from yarrow.settings.redis import RedisSettings

#: A standalone or Sentinel-managed client, or a cluster client; both speak the same commands.
RedisClient = redis.Redis | RedisCluster

_RETRY_INTERVAL = 0.2


def parse_nodes(value: str | None, setting: str) -> list[tuple[str, int]]:
    """``host:port,host:port`` as pairs.

    Raises:
        RedisConfigurationError: empty, or an entry without a numeric port.
    """
    nodes: list[tuple[str, int]] = []
    for entry in (value or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        host, sep, port = entry.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise RedisConfigurationError(f"{setting} entry {entry!r} is not host:port.")
        nodes.append((host.strip("[]"), int(port)))
    if not nodes:
        raise RedisConfigurationError(f"{setting} must list at least one host:port.")
    return nodes


def failover_retry(settings: RedisSettings) -> Retry:
    """Constant-interval retries covering ``yarrow_redis_failover_seconds``."""
    retries = math.ceil(settings.yarrow_redis_failover_seconds / _RETRY_INTERVAL)
    return Retry(
        ConstantBackoff(_RETRY_INTERVAL),
        retries,
        supported_errors=(RedisConnectionError, RedisTimeoutError, OSError),
    )


def _secret(value: Any) -> str | None:
    return None if value is None else str(value.get_secret_value()) or None


def build_redis(settings: RedisSettings) -> RedisClient:
    """The client the settings describe; connections open lazily on first use.

    Raises:
        RedisConfigurationError: Sentinel without sentinels or a service name, Cluster without
            nodes, or both modes at once.
    """
    if settings.redis_use_sentinel and settings.redis_use_clusters:
        raise RedisConfigurationError(
            "REDIS_USE_SENTINEL and REDIS_USE_CLUSTERS exclude each other."
        )
    common: dict[str, Any] = {
        "socket_timeout": settings.redis_socket_timeout,
        "socket_connect_timeout": settings.redis_socket_connect_timeout,
        "retry": failover_retry(settings),
        "health_check_interval": 30,
    }
    if settings.redis_use_clusters:
        nodes = parse_nodes(settings.redis_clusters, "REDIS_CLUSTERS")
        return RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in nodes],  # type: ignore[no-untyped-call]
            password=_secret(settings.redis_clusters_password),
            ssl=settings.redis_use_ssl,
            **common,
        )
    credentials: dict[str, Any] = {
        "username": settings.redis_username or None,
        "password": _secret(settings.redis_password),
        "db": settings.redis_db,
    }
    if settings.redis_use_sentinel:
        if not settings.redis_sentinel_service_name:
            raise RedisConfigurationError("REDIS_USE_SENTINEL needs REDIS_SENTINEL_SERVICE_NAME.")
        sentinel_kwargs = {
            "socket_timeout": settings.redis_sentinel_socket_timeout,
            "socket_connect_timeout": settings.redis_sentinel_socket_timeout,
            "username": settings.redis_sentinel_username or None,
            "password": _secret(settings.redis_sentinel_password),
        }
        sentinel = Sentinel(  # type: ignore[no-untyped-call]
            parse_nodes(settings.redis_sentinels, "REDIS_SENTINELS"),
            sentinel_kwargs=sentinel_kwargs,
            ssl=settings.redis_use_ssl,
            **credentials,
            **common,
        )
        client: redis.Redis = sentinel.master_for(settings.redis_sentinel_service_name)  # type: ignore[no-untyped-call]
        return client
    return redis.Redis(
        host=settings.redis_host,
        port=settings.redis_port,
        ssl=settings.redis_use_ssl,
        **credentials,
        **common,
    )
