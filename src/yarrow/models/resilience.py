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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from yarrow.circuit import ConsecutiveFailureBreaker
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


class CircuitBreaker(ConsecutiveFailureBreaker):
    """The shared breaker, raising model errors; one per provider credential."""

    def before_call(self) -> None:
        """Raise :class:`CircuitOpenError` unless a call may go through now."""
        wait = self.admit()
        if wait is None:
            return
        err = CircuitOpenError(
            f"The model provider failed {self.failure_threshold} times in a row; "
            f"calls resume in {wait:.0f} s."
        )
        err.retry_after = wait
        raise err

    def record_success(self) -> None:
        """A call succeeded (or failed for a reason that says nothing about the upstream)."""
        self.succeeded()

    def abandon(self) -> None:
        """A call ended without an answer either way (cancelled); free the half-open trial."""
        self.abandoned()

    def record_failure(self) -> None:
        """A call failed in a way that counts against the upstream."""
        self.failed()


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
