"""The storage circuit breaker: opens after consecutive failures, fails fast, then trials."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from yarrow.errors import UpstreamUnavailable
from yarrow.storage import (
    CallLimits,
    ObjectNotFound,
    OpenDALStorage,
    StorageBreaker,
    StorageCircuitOpen,
)
from yarrow.testing.storage import memory_storage


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_the_threshold_and_fails_fast() -> None:
    clock = _Clock()
    breaker = StorageBreaker(failure_threshold=3, reset_timeout=10, clock=clock)
    for _ in range(2):
        breaker.admit()
        breaker.failed()
    assert breaker.state == "closed"
    breaker.admit()
    breaker.failed()
    assert breaker.state == "open"
    with pytest.raises(StorageCircuitOpen) as info:
        breaker.admit()
    assert isinstance(info.value, UpstreamUnavailable)
    assert "resume in 10 s" in info.value.message


def test_success_resets_the_count() -> None:
    breaker = StorageBreaker(failure_threshold=2, reset_timeout=10, clock=_Clock())
    breaker.failed()
    breaker.succeeded()
    breaker.failed()
    assert breaker.state == "closed"


def test_half_open_admits_one_trial_whose_outcome_decides() -> None:
    clock = _Clock()
    breaker = StorageBreaker(failure_threshold=1, reset_timeout=10, clock=clock)
    breaker.failed()
    clock.now += 10
    assert breaker.state == "half_open"
    breaker.admit()  # the trial
    with pytest.raises(StorageCircuitOpen):
        breaker.admit()  # only one at a time
    breaker.failed()
    assert breaker.state == "open"
    clock.now += 10
    breaker.admit()
    breaker.succeeded()
    assert breaker.state == "closed"
    breaker.admit()


def test_abandoned_trial_lets_the_next_one_through() -> None:
    clock = _Clock()
    breaker = StorageBreaker(failure_threshold=1, reset_timeout=1, clock=clock)
    breaker.failed()
    clock.now += 1
    breaker.admit()
    breaker.abandoned()
    breaker.admit()


def test_threshold_must_be_positive() -> None:
    with pytest.raises(ValueError):
        StorageBreaker(failure_threshold=0)


async def test_not_found_answers_count_as_healthy() -> None:
    storage = memory_storage()
    breaker = StorageBreaker(failure_threshold=1, reset_timeout=60)
    storage.breaker = breaker  # type: ignore[attr-defined]
    for _ in range(3):
        with pytest.raises(ObjectNotFound):
            await storage.load("missing")
    assert breaker.state == "closed"


async def test_calls_in_flight_are_bounded() -> None:
    """The real memory operator, its write instrumented to count concurrent calls."""
    storage = OpenDALStorage("memory", {}, limits=CallLimits(max_concurrency=2))
    active = peak = 0
    lock = threading.Lock()
    original = storage._op.write

    def slow_write(*args: object, **kwargs: object) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.02)
        with lock:
            active -= 1
        original(*args, **kwargs)  # type: ignore[arg-type]

    storage._op = type("Op", (), {"write": staticmethod(slow_write)})()  # type: ignore[assignment]
    await asyncio.gather(*(storage.save(f"k{i}", b"x") for i in range(8)))
    assert peak == 2
