"""Errors of the cache layer; each subclasses one category of the error tree."""

from __future__ import annotations

from yarrow.errors import ConfigurationError, Conflict, UpstreamUnavailable


class CacheUnavailable(UpstreamUnavailable):
    """Redis did not answer (after retrying through a failover)."""

    code = "cache_unavailable"
    default_message = "The cache is unavailable."


class LockNotAcquired(Conflict):
    """Another holder has the lock."""

    code = "lock_not_acquired"
    default_message = "The resource is busy; try again."


class RedisConfigurationError(ConfigurationError):
    """REDIS_* settings that cannot describe a deployment."""
