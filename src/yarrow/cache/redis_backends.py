"""Cache, locks, rate limits and pub/sub over one Redis client (standalone, Sentinel or Cluster).

Each operation touches a single key, so the same code runs on a cluster. Redis errors that outlast
the client's failover retries become :class:`~yarrow.cache.errors.CacheUnavailable`.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from yarrow.cache.errors import CacheUnavailable, LockNotAcquired
from yarrow.cache.interfaces import (
    Cache,
    Lock,
    LockFactory,
    PubSub,
    RateDecision,
    RateLimiter,
    Subscription,
)
from yarrow.cache.redis_client import RedisClient

logger = logging.getLogger(__name__)
T = TypeVar("T")

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_HIT = """
local used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {used, ttl}
"""


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except RedisError as exc:
        raise CacheUnavailable(f"Redis error: {type(exc).__name__}: {exc}") from exc


def _call(func: Callable[[], T]) -> T:
    with _translated():
        return func()


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class RedisCache(Cache):
    """Keys live under ``prefix`` so several deployments can share one Redis database."""

    def __init__(self, client: RedisClient, prefix: str = "yarrow:cache:") -> None:
        self.client, self.prefix = client, prefix

    def get(self, key: str) -> bytes | None:
        value: Any = _call(lambda: self.client.get(self.prefix + key))
        return None if value is None else bytes(value)

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        px = None if ttl is None else _ms(ttl)
        _call(lambda: self.client.set(self.prefix + key, value, px=px))

    def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        px = None if ttl is None else _ms(ttl)
        return bool(_call(lambda: self.client.set(self.prefix + key, value, px=px, nx=True)))

    def delete(self, key: str) -> bool:
        return bool(_call(lambda: self.client.delete(self.prefix + key)))

    def incr(self, key: str, amount: int = 1) -> int:
        return int(_call(lambda: self.client.incrby(self.prefix + key, amount)))


class _RedisLock(Lock):
    def __init__(self, factory: RedisLockFactory, key: str, token: str) -> None:
        self._factory, self._key, self._token = factory, key, token

    def release(self) -> bool:
        client = self._factory.client
        return bool(_call(lambda: client.eval(_RELEASE, 1, self._key, self._token)))

    def extend(self, ttl: float) -> bool:
        client = self._factory.client
        return bool(_call(lambda: client.eval(_EXTEND, 1, self._key, self._token, _ms(ttl))))


class RedisLockFactory(LockFactory):
    """``SET key token NX PX ttl`` locks released only by their token (a single-key Lua script)."""

    def __init__(self, client: RedisClient, prefix: str = "yarrow:lock:") -> None:
        self.client, self.prefix = client, prefix

    def acquire(self, name: str, ttl: float, wait: float = 0.0) -> Lock:
        key, token = self.prefix + name, uuid.uuid4().hex
        deadline = time.monotonic() + wait
        while True:
            if _call(lambda: self.client.set(key, token, px=_ms(ttl), nx=True)):
                return _RedisLock(self, key, token)
            if time.monotonic() >= deadline:
                raise LockNotAcquired(f"Lock {name!r} is held.")
            time.sleep(0.02)


class RedisRateLimiter(RateLimiter):
    """Fixed windows: one INCR + PEXPIRE script per hit."""

    def __init__(self, client: RedisClient, prefix: str = "yarrow:rate:") -> None:
        self.client, self.prefix = client, prefix

    def hit(self, key: str, limit: int, window: float) -> RateDecision:
        result: Any = _call(lambda: self.client.eval(_HIT, 1, self.prefix + key, _ms(window)))
        used, ttl_ms = int(result[0]), int(result[1])
        return RateDecision(used <= limit, max(0, limit - used), ttl_ms / 1000)

    def reset(self, key: str) -> None:
        _call(lambda: self.client.delete(self.prefix + key))


class _RedisSubscription(Subscription):
    """Resubscribes after a lost connection (a failover); messages sent meanwhile are lost."""

    def __init__(self, client: RedisClient, channel: str, reconnect_seconds: float) -> None:
        self._client, self._channel = client, channel
        self._reconnect_seconds = reconnect_seconds
        self._pubsub: Any = None
        self._connect()

    def _connect(self) -> None:
        deadline = time.monotonic() + self._reconnect_seconds
        while True:
            try:
                pubsub = self._client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
                pubsub.subscribe(self._channel)
                self._pubsub = pubsub
                return
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                if time.monotonic() >= deadline:
                    raise CacheUnavailable(f"Cannot subscribe to {self._channel!r}.") from exc
                time.sleep(0.2)

    def get(self, timeout: float) -> bytes | None:
        deadline = time.monotonic() + timeout
        while True:
            remaining = max(0.0, deadline - time.monotonic())
            try:
                message = self._pubsub.get_message(timeout=remaining)
            except (RedisConnectionError, RedisTimeoutError, OSError):
                logger.warning("pub/sub connection lost on %s; resubscribing", self._channel)
                self._close_quietly()
                self._connect()
                continue
            if message is not None and message.get("type") == "message":
                return bytes(message["data"])
            if time.monotonic() >= deadline:
                return None

    def _close_quietly(self) -> None:
        try:
            self._pubsub.close()
        except (RedisError, OSError):
            logger.debug("closing a broken pub/sub connection failed", exc_info=True)

    def close(self) -> None:
        self._close_quietly()


class RedisPubSub(PubSub):
    """PUBLISH/SUBSCRIBE through the same client as everything else (Sentinel-aware)."""

    def __init__(
        self, client: RedisClient, prefix: str = "yarrow:", reconnect_seconds: float = 15.0
    ) -> None:
        self.client, self.prefix = client, prefix
        self.reconnect_seconds = reconnect_seconds

    def publish(self, channel: str, message: bytes) -> int:
        return int(_call(lambda: self.client.publish(self.prefix + channel, message)))

    def subscribe(self, channel: str) -> Subscription:
        return _RedisSubscription(self.client, self.prefix + channel, self.reconnect_seconds)
