"""Cache, locks, rate limits and pub/sub over Redis (standalone, Sentinel, Cluster) or in memory.

Entrypoints build a :class:`CacheBackends` with :func:`build_cache_backends`; everything else
receives the interface it needs.
"""

from yarrow.cache.errors import CacheUnavailable, LockNotAcquired, RedisConfigurationError
from yarrow.cache.factory import CacheBackends, build_cache_backends
from yarrow.cache.interfaces import (
    Cache,
    Lock,
    LockFactory,
    PubSub,
    RateDecision,
    RateLimiter,
    Subscription,
)
from yarrow.cache.redis_client import RedisClient, build_redis

__all__ = [
    "Cache",
    "CacheBackends",
    "CacheUnavailable",
    "Lock",
    "LockFactory",
    "LockNotAcquired",
    "PubSub",
    "RateDecision",
    "RateLimiter",
    "RedisClient",
    "RedisConfigurationError",
    "Subscription",
    "build_cache_backends",
    "build_redis",
]
