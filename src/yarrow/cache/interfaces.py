"""One interface each for the cache, locks, rate limits and pub/sub.

Redis (standalone, Sentinel, Cluster) and memory (embedded mode) implement them with the same
behaviour; ``tests/unit/cache/conformance.py`` is the suite every implementation passes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import TracebackType


class Cache(ABC):
    """Bytes under string keys with an optional time to live (seconds)."""

    @abstractmethod
    def get(self, key: str) -> bytes | None:
        """The value, or ``None`` when absent or expired."""

    @abstractmethod
    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Store ``value``; it disappears after ``ttl`` seconds when given."""

    @abstractmethod
    def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        """Store only if absent; True when stored."""

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove ``key``; True when it existed."""

    @abstractmethod
    def incr(self, key: str, amount: int = 1) -> int:
        """Add ``amount`` to an integer value (absent counts as 0) and return the result."""


class Lock(AbstractContextManager["Lock"]):
    """A held lock; leaving the ``with`` block releases it (if it did not expire)."""

    @abstractmethod
    def release(self) -> bool:
        """Release; False when the lock had expired and may belong to someone else."""

    @abstractmethod
    def extend(self, ttl: float) -> bool:
        """Reset the time to live to ``ttl``; False when the lock is no longer ours."""

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class LockFactory(ABC):
    """Named mutual-exclusion locks shared by every process using the same backend."""

    @abstractmethod
    def acquire(self, name: str, ttl: float, wait: float = 0.0) -> Lock:
        """Take lock ``name`` for ``ttl`` seconds, waiting up to ``wait`` seconds.

        Raises:
            LockNotAcquired: still held by another holder after ``wait``.
        """


@dataclass(frozen=True)
class RateDecision:
    """Whether a hit is allowed, how many remain in the window, and seconds until it resets."""

    allowed: bool
    remaining: int
    reset_after: float


class RateLimiter(ABC):
    """Fixed-window counters: at most ``limit`` hits per ``window`` seconds per key."""

    @abstractmethod
    def hit(self, key: str, limit: int, window: float) -> RateDecision:
        """Count one hit of ``key`` and decide it."""

    @abstractmethod
    def reset(self, key: str) -> None:
        """Forget ``key``'s window."""


class Subscription(AbstractContextManager["Subscription"]):
    """Messages published to one channel after subscribing, in order."""

    @abstractmethod
    def get(self, timeout: float) -> bytes | None:
        """The next message, or ``None`` when none arrives within ``timeout`` seconds."""

    @abstractmethod
    def close(self) -> None:
        """Stop receiving."""

    def __iter__(self) -> Iterator[bytes]:
        while True:
            message = self.get(1.0)
            if message is not None:
                yield message

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class PubSub(ABC):
    """Fire-and-forget fan-out (stop signals, events between API replicas)."""

    @abstractmethod
    def publish(self, channel: str, message: bytes) -> int:
        """Send ``message`` to current subscribers; returns the count Redis reports (or local)."""

    @abstractmethod
    def subscribe(self, channel: str) -> Subscription:
        """Start receiving ``channel``; messages published before this call are not seen."""
