"""Stop signals reach the replica that runs the task; concurrency limits per app."""

from __future__ import annotations

import time

import pytest

from yarrow.cache.memory import MemoryPubSub
from yarrow.errors import QuotaExceeded
from yarrow.services.chat.running import TaskRegistry


def _wait(predicate: object, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


def test_stop_travels_between_replicas() -> None:
    bus = MemoryPubSub()
    runs_it, receives_stop = TaskRegistry(pubsub=bus), TaskRegistry(pubsub=bus)
    try:
        task = runs_it.start("t1", "app", "App", "alice")
        receives_stop.start("other", "app", "App", "x")  # starts its listener too
        assert receives_stop.stop("t1", "app", "mallory") is False
        time.sleep(0.2)
        assert not task.stopped.is_set()  # another user's stop is ignored
        assert receives_stop.stop("t1", "app", "alice") is False  # not local: published
        assert _wait(task.stopped.is_set)
    finally:
        runs_it.close()
        receives_stop.close()


def test_local_stop_and_limits() -> None:
    registry = TaskRegistry(max_active_per_app=1)
    task = registry.start("t", "app", "App", "u")
    with pytest.raises(QuotaExceeded) as caught:
        registry.start("t2", "app", "App", "u")
    assert caught.value.error_code == "too_many_requests"
    assert registry.start("t3", "other-app", "Other", "u")  # limits are per app
    assert registry.stop("t", "app", "u") and task.stopped.is_set()
    registry.finish(task)
    assert registry.active("app") == 0
    registry.start("t4", "app", "App", "u")
