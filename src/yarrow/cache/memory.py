"""In-memory twins for embedded mode: one process, the same behaviour as the Redis backends."""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections import defaultdict

from yarrow.cache.errors import LockNotAcquired
from yarrow.cache.interfaces import (
    Cache,
    Lock,
    LockFactory,
    PubSub,
    RateDecision,
    RateLimiter,
    Subscription,
)


class _Expiring:
    """A dict of (value, deadline) with lazy expiry, guarded by one lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.items: dict[str, tuple[object, float | None]] = {}

    def live(self, key: str) -> object | None:
        item = self.items.get(key)
        if item is None:
            return None
        value, deadline = item
        if deadline is not None and time.monotonic() >= deadline:
            del self.items[key]
            return None
        return value

    def put(self, key: str, value: object, ttl: float | None) -> None:
        self.items[key] = (value, None if ttl is None else time.monotonic() + ttl)

    def deadline(self, key: str) -> float | None:
        item = self.items.get(key)
        return None if item is None else item[1]


class MemoryCache(Cache):
    """A process-local cache."""

    def __init__(self) -> None:
        self._data = _Expiring()

    def get(self, key: str) -> bytes | None:
        with self._data.lock:
            value = self._data.live(key)
            return None if value is None else bytes(value)  # type: ignore[call-overload]

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        with self._data.lock:
            self._data.put(key, bytes(value), ttl)

    def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        with self._data.lock:
            if self._data.live(key) is not None:
                return False
            self._data.put(key, bytes(value), ttl)
            return True

    def delete(self, key: str) -> bool:
        with self._data.lock:
            existed = self._data.live(key) is not None
            self._data.items.pop(key, None)
            return existed

    def incr(self, key: str, amount: int = 1) -> int:
        with self._data.lock:
            current = self._data.live(key)
            number = int(current) + amount if current is not None else amount  # type: ignore[call-overload]
            deadline = self._data.deadline(key) if current is not None else None
            self._data.items[key] = (str(number).encode(), deadline)
            return number


class _MemoryLock(Lock):
    def __init__(self, owner: MemoryLockFactory, name: str, token: str) -> None:
        self._owner, self._name, self._token = owner, name, token

    def release(self) -> bool:
        with self._owner._data.lock:
            if self._owner._data.live(self._name) != self._token:
                return False
            del self._owner._data.items[self._name]
            return True

    def extend(self, ttl: float) -> bool:
        with self._owner._data.lock:
            if self._owner._data.live(self._name) != self._token:
                return False
            self._owner._data.put(self._name, self._token, ttl)
            return True


class MemoryLockFactory(LockFactory):
    """Locks shared by the threads of one process."""

    def __init__(self) -> None:
        self._data = _Expiring()

    def acquire(self, name: str, ttl: float, wait: float = 0.0) -> Lock:
        token = uuid.uuid4().hex
        deadline = time.monotonic() + wait
        while True:
            with self._data.lock:
                if self._data.live(name) is None:
                    self._data.put(name, token, ttl)
                    return _MemoryLock(self, name, token)
            if time.monotonic() >= deadline:
                raise LockNotAcquired(f"Lock {name!r} is held.")
            time.sleep(0.01)


class MemoryRateLimiter(RateLimiter):
    """Fixed windows in process memory."""

    def __init__(self) -> None:
        self._data = _Expiring()

    def hit(self, key: str, limit: int, window: float) -> RateDecision:
        with self._data.lock:
            count = self._data.live(key)
            if count is None:
                self._data.put(key, 1, window)
                used = 1
            else:
                used = int(count) + 1  # type: ignore[call-overload]
                self._data.items[key] = (used, self._data.deadline(key))
            deadline = self._data.deadline(key) or time.monotonic()
            reset = max(0.0, deadline - time.monotonic())
        return RateDecision(used <= limit, max(0, limit - used), reset)

    def reset(self, key: str) -> None:
        with self._data.lock:
            self._data.items.pop(key, None)


class _MemorySubscription(Subscription):
    def __init__(self, hub: MemoryPubSub, channel: str) -> None:
        self._hub, self._channel = hub, channel
        self.inbox: queue.Queue[bytes] = queue.Queue()

    def get(self, timeout: float) -> bytes | None:
        try:
            return self.inbox.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None

    def close(self) -> None:
        with self._hub._lock:
            self._hub._subscribers[self._channel].discard(self)


class MemoryPubSub(PubSub):
    """Fan-out between the threads of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: defaultdict[str, set[_MemorySubscription]] = defaultdict(set)

    def publish(self, channel: str, message: bytes) -> int:
        with self._lock:
            targets = list(self._subscribers[channel])
        for subscription in targets:
            subscription.inbox.put(bytes(message))
        return len(targets)

    def subscribe(self, channel: str) -> Subscription:
        subscription = _MemorySubscription(self, channel)
        with self._lock:
            self._subscribers[channel].add(subscription)
        return subscription
