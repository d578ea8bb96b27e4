"""Retries with jitter and the circuit breaker, with a fake clock and no real sleeping."""

from __future__ import annotations

import asyncio
import random

import pytest

from yarrow.models.errors import (
    CircuitOpenError,
    ModelAuthError,
    ModelBadRequestError,
    ModelRateLimitError,
    ModelUnavailableError,
)
from yarrow.models.resilience import CircuitBreaker, RetryPolicy, call_with_retries


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def failing(*errors: Exception, result: str = "ok"):
    calls = {"n": 0}

    async def attempt() -> str:
        calls["n"] += 1
        if errors and calls["n"] <= len(errors):
            raise errors[calls["n"] - 1]
        return result

    return attempt, calls


def test_delay_is_full_jitter_below_an_exponential_ceiling():
    policy = RetryPolicy(base_delay=0.5, max_delay=3.0, rng=random.Random(7))
    error = ModelUnavailableError()
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 3.0), (8, 3.0)]:
        waits = [policy.delay(attempt, error) for _ in range(200)]
        assert all(0 <= w <= ceiling for w in waits)
        assert len(set(waits)) > 150  # jittered, not a constant
        assert max(waits) > ceiling * 0.8


def test_delay_honours_retry_after_up_to_max_delay():
    policy = RetryPolicy(base_delay=0.1, max_delay=5.0, rng=random.Random(1))
    assert policy.delay(0, ModelRateLimitError(retry_after=2.0)) >= 2.0
    assert policy.delay(0, ModelRateLimitError(retry_after=60.0)) == 5.0


async def test_retryable_errors_are_retried_until_success():
    attempt, calls = failing(ModelUnavailableError(), ModelRateLimitError())
    sleeps = Sleeps()
    seen: list[int] = []
    result = await call_with_retries(
        attempt,
        policy=RetryPolicy(max_retries=2),
        breaker=None,
        sleep=sleeps,
        on_attempt=seen.append,
    )
    assert result == "ok" and calls["n"] == 3
    assert len(sleeps.waits) == 2 and seen == [1, 2, 3]


async def test_retries_are_bounded():
    attempt, calls = failing(*[ModelUnavailableError()] * 10)
    with pytest.raises(ModelUnavailableError):
        await call_with_retries(
            attempt, policy=RetryPolicy(max_retries=3), breaker=None, sleep=Sleeps()
        )
    assert calls["n"] == 4


@pytest.mark.parametrize("error", [ModelAuthError(), ModelBadRequestError(), CircuitOpenError()])
async def test_non_retryable_errors_fail_at_once(error):
    attempt, calls = failing(error)
    sleeps = Sleeps()
    with pytest.raises(type(error)):
        await call_with_retries(
            attempt, policy=RetryPolicy(max_retries=5), breaker=None, sleep=sleeps
        )
    assert calls["n"] == 1 and sleeps.waits == []


async def test_breaker_opens_after_threshold_and_fails_fast():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=10, clock=clock)
    attempt, calls = failing(*[ModelUnavailableError()] * 100)
    for _ in range(3):
        with pytest.raises(ModelUnavailableError):
            await call_with_retries(attempt, policy=RetryPolicy(max_retries=0), breaker=breaker)
    assert breaker.state == "open"
    with pytest.raises(CircuitOpenError) as info:
        await call_with_retries(
            attempt, policy=RetryPolicy(max_retries=5), breaker=breaker, sleep=Sleeps()
        )
    assert calls["n"] == 3  # the open breaker made no call
    assert info.value.retry_after == pytest.approx(10)


async def test_breaker_stops_a_retry_loop_midway():
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=10, clock=FakeClock())
    attempt, calls = failing(*[ModelUnavailableError()] * 100)
    with pytest.raises(CircuitOpenError):
        await call_with_retries(
            attempt, policy=RetryPolicy(max_retries=5), breaker=breaker, sleep=Sleeps()
        )
    assert calls["n"] == 2


async def test_half_open_allows_one_trial_and_success_closes():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=5, clock=clock)
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now += 5
    assert breaker.state == "half_open"
    breaker.before_call()  # the trial
    with pytest.raises(CircuitOpenError):
        breaker.before_call()  # a second caller while the trial runs
    breaker.record_success()
    assert breaker.state == "closed"
    breaker.before_call()


async def test_failed_trial_reopens_for_a_full_period():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=5, clock=clock)
    breaker.record_failure()
    clock.now += 6
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now += 4
    assert breaker.state == "open"
    clock.now += 1
    assert breaker.state == "half_open"


async def test_cancelled_trial_frees_the_half_open_slot():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=1, clock=clock)
    breaker.record_failure()
    clock.now += 2

    async def hang() -> str:
        await asyncio.sleep(30)
        return "never"

    task = asyncio.ensure_future(
        call_with_retries(hang, policy=RetryPolicy(max_retries=0), breaker=breaker)
    )
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    breaker.before_call()  # not refused: the slot was released


async def test_auth_and_bad_request_do_not_trip_the_breaker():
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=10, clock=FakeClock())
    for error in [ModelAuthError(), ModelAuthError(), ModelBadRequestError()]:
        attempt, _ = failing(error)
        with pytest.raises(type(error)):
            await call_with_retries(attempt, policy=RetryPolicy(max_retries=0), breaker=breaker)
    assert breaker.state == "closed"


async def test_success_resets_the_failure_count():
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=10, clock=FakeClock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state == "closed"


def test_threshold_must_be_positive():
    with pytest.raises(ValueError):
        CircuitBreaker(failure_threshold=0)
