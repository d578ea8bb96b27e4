"""Build the cache, locks, rate limiter and pub/sub of one process: Redis or memory."""

from __future__ import annotations

from dataclasses import dataclass

from redis.exceptions import RedisError

from yarrow.cache.errors import CacheUnavailable
from yarrow.cache.interfaces import Cache, LockFactory, PubSub, RateLimiter
from yarrow.cache.memory import MemoryCache, MemoryLockFactory, MemoryPubSub, MemoryRateLimiter
from yarrow.cache.redis_backends import RedisCache, RedisLockFactory, RedisPubSub, RedisRateLimiter
from yarrow.cache.redis_client import RedisClient, build_redis
from yarrow.settings.redis import RedisSettings


@dataclass
class CacheBackends:
    """The four shared-state interfaces of a process; ``client`` is ``None`` in memory mode."""

    cache: Cache
    locks: LockFactory
    rate_limiter: RateLimiter
    pubsub: PubSub
    client: RedisClient | None = None

    def check(self) -> None:
        """Raise :class:`CacheUnavailable` unless Redis answers (always passes in memory)."""
        if self.client is None:
            return
        try:
            self.client.ping()
        except RedisError as exc:
            raise CacheUnavailable(f"Redis unreachable: {type(exc).__name__}") from exc

    def close(self) -> None:
        """Close Redis connections."""
        if self.client is not None:
            self.client.close()


def build_cache_backends(settings: RedisSettings, *, use_redis: bool) -> CacheBackends:
    """Redis backends over :func:`build_redis` when ``use_redis``, in-memory twins otherwise."""
    if not use_redis:
        return CacheBackends(
            MemoryCache(), MemoryLockFactory(), MemoryRateLimiter(), MemoryPubSub()
        )
    client = build_redis(settings)
    return CacheBackends(
        RedisCache(client),
        RedisLockFactory(client),
        RedisRateLimiter(client),
        RedisPubSub(client, reconnect_seconds=settings.yarrow_redis_failover_seconds),
        client=client,
    )
