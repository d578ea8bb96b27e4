"""The behaviour every cache backend set (memory, Redis standalone, Sentinel, Cluster) shares.

Subclass :class:`CacheConformance` and provide a ``backends`` fixture.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from yarrow.cache import CacheBackends, LockNotAcquired


def key() -> str:
    return f"k-{uuid.uuid4().hex}"


class CacheConformance:
    """Cache, locks, rate limiter and pub/sub."""

    def test_cache_set_get_delete(self, backends: CacheBackends) -> None:
        cache, k = backends.cache, key()
        assert cache.get(k) is None
        cache.set(k, b"\x00value\xff")
        assert cache.get(k) == b"\x00value\xff"
        assert cache.delete(k) is True
        assert cache.delete(k) is False
        assert cache.get(k) is None

    def test_cache_ttl_expires(self, backends: CacheBackends) -> None:
        cache, k = backends.cache, key()
        cache.set(k, b"v", ttl=0.2)
        assert cache.get(k) == b"v"
        time.sleep(0.35)
        assert cache.get(k) is None

    def test_cache_add_only_when_absent(self, backends: CacheBackends) -> None:
        cache, k = backends.cache, key()
        assert cache.add(k, b"first", ttl=5)
        assert not cache.add(k, b"second")
        assert cache.get(k) == b"first"

    def test_cache_incr(self, backends: CacheBackends) -> None:
        cache, k = backends.cache, key()
        assert cache.incr(k) == 1
        assert cache.incr(k, 5) == 6
        assert cache.get(k) == b"6"

    def test_lock_excludes_until_released(self, backends: CacheBackends) -> None:
        name = key()
        lock = backends.locks.acquire(name, ttl=5)
        with pytest.raises(LockNotAcquired):
            backends.locks.acquire(name, ttl=5)
        assert lock.release() is True
        with backends.locks.acquire(name, ttl=5), pytest.raises(LockNotAcquired):
            backends.locks.acquire(name, ttl=5, wait=0.1)
        backends.locks.acquire(name, ttl=5).release()

    def test_lock_waits_for_release(self, backends: CacheBackends) -> None:
        name = key()
        lock = backends.locks.acquire(name, ttl=5)
        threading.Timer(0.2, lock.release).start()
        started = time.monotonic()
        backends.locks.acquire(name, ttl=5, wait=3).release()
        assert time.monotonic() - started >= 0.15

    def test_expired_lock_cannot_release_the_next_holder(self, backends: CacheBackends) -> None:
        name = key()
        stale = backends.locks.acquire(name, ttl=0.2)
        time.sleep(0.35)
        current = backends.locks.acquire(name, ttl=5)
        assert stale.release() is False
        assert stale.extend(5) is False
        with pytest.raises(LockNotAcquired):
            backends.locks.acquire(name, ttl=5)
        assert current.extend(10) is True
        assert current.release() is True

    def test_rate_limiter_fixed_window(self, backends: CacheBackends) -> None:
        limiter, k = backends.rate_limiter, key()
        decisions = [limiter.hit(k, limit=3, window=0.5) for _ in range(4)]
        assert [d.allowed for d in decisions] == [True, True, True, False]
        assert [d.remaining for d in decisions] == [2, 1, 0, 0]
        assert 0 < decisions[-1].reset_after <= 0.5
        time.sleep(0.6)
        assert limiter.hit(k, limit=3, window=0.5).allowed
        limiter.reset(k)
        assert limiter.hit(k, limit=1, window=5).remaining == 0

    def test_rate_limiter_keys_are_independent(self, backends: CacheBackends) -> None:
        limiter, a, b = backends.rate_limiter, key(), key()
        assert limiter.hit(a, limit=1, window=5).allowed
        assert not limiter.hit(a, limit=1, window=5).allowed
        assert limiter.hit(b, limit=1, window=5).allowed

    def test_pubsub_fans_out_in_order(self, backends: CacheBackends) -> None:
        channel = key()
        backends.pubsub.publish(channel, b"before")
        with (
            backends.pubsub.subscribe(channel) as first,
            backends.pubsub.subscribe(channel) as second,
        ):
            assert backends.pubsub.publish(channel, b"one") >= 2
            backends.pubsub.publish(channel, b"two")
            for subscription in (first, second):
                assert subscription.get(5) == b"one"
                assert subscription.get(5) == b"two"
                assert subscription.get(0.1) is None

    def test_pubsub_channels_are_isolated_and_close_stops(self, backends: CacheBackends) -> None:
        a, b = key(), key()
        sub_a = backends.pubsub.subscribe(a)
        backends.pubsub.publish(b, b"other")
        assert sub_a.get(0.2) is None
        sub_a.close()
        assert backends.pubsub.publish(a, b"late") == 0

    def test_check_passes(self, backends: CacheBackends) -> None:
        backends.check()
