"""Bounded retries with jitter, and a circuit breaker per provider credential.

Contracts:
- :class:`RetryPolicy` retries only errors whose ``retryable`` is true, at most ``max_retries``
  times, sleeping ``uniform(0, min(max_delay, base_delay * 2**attempt))`` ("full jitter") or the
  provider's ``retry_after`` when that is longer (still capped at ``max_delay``).
- :class:`CircuitBreaker` opens after ``failure_threshold`` consecutive failures that count
  (upstream unavailable, timeouts, rate limits), fails fast with :class:`CircuitOpenError` while
  open, and lets one trial call through after ``reset_timeout`` (half-open); a success closes it.
- Clock, sleep and random source are injectable so tests need no real waiting.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from yarrow.models.errors import CircuitOpenError, ModelError, ModelRateLimitError

T = TypeVar("T")

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before retrying a retryable model error."""

    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, attempt: int, error: ModelError) -> float:
        """Seconds to wait before retry number ``attempt + 1`` (``attempt`` counts from 0)."""
        ceiling = min(self.max_delay, self.base_delay * (2**attempt))
        wait = self.rng.uniform(0, ceiling)
        if error.retry_after is not None:
            wait = max(wait, min(error.retry_after, self.max_delay))
        return wait


class CircuitBreaker:
    """Consecutive-failure breaker; thread-safe, shared by all calls with one credential."""

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        clock: Clock = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half_open``."""
        with self._lock:
            return self._state_locked()

    def _state_locked(self) -> str:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.reset_timeout:
            return "half_open"
        return "open"

    def before_call(self) -> None:
        """Raise :class:`CircuitOpenError` unless a call may go through now."""
        with self._lock:
            state = self._state_locked()
            if state == "closed":
                return
            if state == "half_open" and not self._trial_running:
                self._trial_running = True
                return
            assert self._opened_at is not None
            wait = max(0.0, self.reset_timeout - (self._clock() - self._opened_at))
        err = CircuitOpenError(
            f"The model provider failed {self.failure_threshold} times in a row; "
            f"calls resume in {wait:.0f} s."
        )
        err.retry_after = wait
        raise err

    def record_success(self) -> None:
        """A call succeeded (or failed for a reason that says nothing about the upstream)."""
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def abandon(self) -> None:
        """A call ended without an answer either way (cancelled); free the half-open trial."""
        with self._lock:
            self._trial_running = False

    def record_failure(self) -> None:
        """A call failed in a way that counts against the upstream."""
        with self._lock:
            self._failures += 1
            self._trial_running = False
            if self._opened_at is not None or self._failures >= self.failure_threshold:
                self._opened_at = self._clock()


def counts_against_upstream(error: ModelError) -> bool:
    """Whether ``error`` is evidence that the upstream is unhealthy (trips the breaker)."""
    return error.retryable or isinstance(error, ModelRateLimitError)


async def call_with_retries(
    attempt_call: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    breaker: CircuitBreaker | None,
    sleep: Sleep = asyncio.sleep,
    on_attempt: Callable[[int], None] | None = None,
) -> T:
    """Run ``attempt_call`` under ``breaker`` with ``policy``'s retries; return its result.

    ``on_attempt`` is told the 1-based number of every attempt that is started.
    """
    attempt = 0
    while True:
        if breaker is not None:
            breaker.before_call()
        if on_attempt is not None:
            on_attempt(attempt + 1)
        try:
            result = await attempt_call()
        except ModelError as exc:
            if breaker is not None:
                if counts_against_upstream(exc):
                    breaker.record_failure()
                else:
                    breaker.record_success()
            if not exc.retryable or attempt >= policy.max_retries:
                raise
            await sleep(policy.delay(attempt, exc))
            attempt += 1
            continue
        except BaseException:
            if breaker is not None:
                breaker.abandon()
            raise
        if breaker is not None:
            breaker.record_success()
        return result


__all__ = ["CircuitBreaker", "RetryPolicy", "call_with_retries", "counts_against_upstream"]
