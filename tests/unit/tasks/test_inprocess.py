"""The in-process runner: retries, time limits, bounded concurrency, schedule, stop and resume."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from yarrow.errors import InvalidInput
from yarrow.tasks import (
    InProcessRunner,
    InProcessTaskQueue,
    PermanentTaskError,
    Schedule,
    TaskRegistry,
    TaskStore,
)


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture
def runners(queue: InProcessTaskQueue) -> Iterator[list[InProcessRunner]]:
    made: list[InProcessRunner] = []
    yield made
    for runner in made:
        runner.stop(timeout=5)


def start(
    queue: InProcessTaskQueue,
    runners: list[InProcessRunner],
    *,
    workers: int = 2,
    schedule: Schedule | None = None,
) -> InProcessRunner:
    runner = InProcessRunner(queue, workers=workers, schedule=schedule, poll_interval=0.05)
    runners.append(runner)
    runner.start()
    return runner


def test_runs_a_task_with_its_arguments(
    registry: TaskRegistry, queue: InProcessTaskQueue, runners: list[InProcessRunner]
) -> None:
    seen: list[tuple[int, str]] = []
    registry.register("t.add", lambda a, b: seen.append((a, b)))
    start(queue, runners)
    task_id = queue.enqueue("t.add", {"a": 1, "b": "x"})
    wait_for(lambda: queue.get(task_id).status == "succeeded")
    assert seen == [(1, "x")] and queue.get(task_id).attempts == 1


def test_retries_then_succeeds(
    registry: TaskRegistry, queue: InProcessTaskQueue, runners: list[InProcessRunner]
) -> None:
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("upstream hiccup")

    registry.register("t.flaky", flaky, max_retries=3, backoff=0)
    start(queue, runners)
    task_id = queue.enqueue("t.flaky")
    wait_for(lambda: queue.get(task_id).status == "succeeded")
    info = queue.get(task_id)
    assert info.attempts == 3 and len(calls) == 3
    assert info.error is None


def test_retries_are_spaced_by_backoff(
    registry: TaskRegistry, queue: InProcessTaskQueue, runners: list[InProcessRunner]
) -> None:
    times: list[float] = []

    def failing() -> None:
        times.append(time.monotonic())
        raise RuntimeError("no")

    registry.register("t.backoff", failing, max_retries=1, backoff=2)
    start(queue, runners)
    task_id = queue.enqueue("t.backoff")
    wait_for(lambda: queue.get(task_id).status == "failed", timeout=15)
    assert len(times) == 2 and times[1] - times[0] >= 0.9  # jittered 1-2 s, stored in seconds


def test_gives_up_after_max_retries(
    registry: TaskRegistry, queue: InProcessTaskQueue, runners: list[InProcessRunner]
) -> None:
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise RuntimeError("always")

    registry.register("t.broken", broken, max_retries=2, backoff=0)
    start(queue, runners)
    task_id = queue.enqueue("t.broken")
    wait_for(lambda: queue.get(task_id).status == "failed")
    info = queue.get(task_id)
    assert len(calls) == 3 and info.attempts == 3
    assert info.error == "RuntimeError: always"


@pytest.mark.parametrize("error", [PermanentTaskError("bad doc"), InvalidInput("bad")])
def test_permanent_errors_are_not_retried(
    registry: TaskRegistry,
    queue: InProcessTaskQueue,
    runners: list[InProcessRunner],
    error: Exception,
) -> None:
    def fail() -> None:
        raise error

    registry.register("t.perm", fail, max_retries=5, backoff=0)
    start(queue, runners)
    task_id = queue.enqueue("t.perm")
    wait_for(lambda: queue.get(task_id).status == "failed")
    assert queue.get(task_id).attempts == 1


def test_time_limit_fails_the_attempt(
    registry: TaskRegistry, queue: InProcessTaskQueue, runners: list[InProcessRunner]
) -> None:
    release = threading.Event()
    registry.register("t.slow", lambda: release.wait(10), time_limit=1, max_retries=0)
    start(queue, runners)
    task_id = queue.enqueue("t.slow")
    wait_for(lambda: queue.get(task_id).status == "failed", timeout=10)
    assert "TaskTimeLimitExceeded" in (queue.get(task_id).error or "")
    release.set()
    time.sleep(0.2)
    assert queue.get(task_id).status == "failed"  # the late return does not complete it


def test_concurrency_is_bounded(
    registry: TaskRegistry, queue: InProcessTaskQueue, runners: list[InProcessRunner]
) -> None:
    active, peak, lock = [0], [0], threading.Lock()

    def busy() -> None:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.15)
        with lock:
            active[0] -= 1

    registry.register("t.busy", busy)
    start(queue, runners, workers=2)
    ids = [queue.enqueue("t.busy") for _ in range(6)]
    wait_for(lambda: all(queue.get(i).status == "succeeded" for i in ids))
    assert peak[0] == 2


def test_delayed_task_waits(
    registry: TaskRegistry, queue: InProcessTaskQueue, runners: list[InProcessRunner]
) -> None:
    registry.register("t.later", lambda: None)
    start(queue, runners)
    task_id = queue.enqueue("t.later", delay=2)
    time.sleep(0.5)
    assert queue.get(task_id).status == "pending"
    wait_for(lambda: queue.get(task_id).status == "succeeded", timeout=5)


def test_stop_releases_unfinished_work_and_a_new_runner_finishes_it(
    registry: TaskRegistry, queue: InProcessTaskQueue, store: TaskStore
) -> None:
    gate = threading.Event()
    done: list[str] = []

    def job(n: int) -> None:
        if not gate.is_set():
            time.sleep(1.0)
            if not gate.is_set():
                raise RuntimeError("should have been released")
        done.append(str(n))

    registry.register("t.job", job)
    first = InProcessRunner(queue, workers=1, poll_interval=0.05)
    first.start()
    ids = [queue.enqueue("t.job", {"n": n}) for n in range(3)]
    wait_for(lambda: queue.get(ids[0]).status == "running")
    first.stop(timeout=0.1)
    statuses = [queue.get(i).status for i in ids]
    assert statuses == ["pending", "pending", "pending"]
    assert queue.get(ids[0]).attempts == 0
    gate.set()
    second = InProcessRunner(queue, workers=2, poll_interval=0.05)
    second.start()
    try:
        wait_for(lambda: all(queue.get(i).status == "succeeded" for i in ids))
    finally:
        second.stop()
    assert sorted(done) == ["0", "1", "2"]


def test_periodic_jobs_fire_once_per_interval(
    registry: TaskRegistry, queue: InProcessTaskQueue, runners: list[InProcessRunner]
) -> None:
    fired: list[int] = []
    registry.register("t.tick", lambda: fired.append(1), queue="retention")
    schedule = Schedule()
    schedule.add("tick", "t.tick", timedelta(seconds=1))
    start(queue, runners, schedule=schedule)
    wait_for(lambda: len(fired) >= 3, timeout=8)
    assert len(fired) <= 5  # started ~3 s ago at one a second


def test_a_broken_periodic_job_does_not_stop_others(
    registry: TaskRegistry, queue: InProcessTaskQueue
) -> None:
    registry.register("t.ok", lambda: None)
    schedule = Schedule()
    schedule.add("broken", "t.ok", timedelta(seconds=5), {"unexpected": object()})
    schedule.add("fine", "t.ok", timedelta(seconds=5))
    runner = InProcessRunner(queue, schedule=schedule)
    assert runner.fire_due_jobs() == ["fine"]
    assert runner.fire_due_jobs() == []


def test_task_system_start_and_stop_drive_the_runner(store: TaskStore) -> None:
    from yarrow.settings.redis import CelerySettings
    from yarrow.tasks import build_task_system

    done: list[int] = []

    def register(registry: TaskRegistry, schedule: Schedule) -> None:
        registry.register("t.done", lambda: done.append(1))

    system = build_task_system(
        CelerySettings(),
        store.database,
        in_process=True,
        registrations=(register,),
        poll_interval=0.05,
    )
    system.start()
    try:
        task_id = system.queue.enqueue("t.done")
        wait_for(lambda: system.queue.get(task_id).status == "succeeded")
    finally:
        system.stop(timeout=1)
    assert done == [1]


def test_dispatcher_survives_a_database_error(
    registry: TaskRegistry,
    queue: InProcessTaskQueue,
    runners: list[InProcessRunner],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy.exc import OperationalError

    registry.register("t.ok", lambda: None)
    real_claim = queue.store.claim
    failures = [2]

    def flaky_claim(worker: str, limit: int, **kwargs: object) -> list[object]:
        if failures[0] > 0:
            failures[0] -= 1
            raise OperationalError("SELECT", {}, Exception("database is locked"))
        return real_claim(worker, limit)  # type: ignore[return-value]

    monkeypatch.setattr(queue.store, "claim", flaky_claim)
    start(queue, runners)
    task_id = queue.enqueue("t.ok")
    wait_for(lambda: queue.get(task_id).status == "succeeded")
    assert failures == [0]
