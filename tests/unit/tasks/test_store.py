"""Task records: idempotency, ownership tokens, recovery, cleanup, schedule claims."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from sqlalchemy import update

from yarrow.db.base import utcnow
from yarrow.db.engine import Database
from yarrow.db.models import TaskRecord
from yarrow.errors import NotFound
from yarrow.tasks import (
    InProcessTaskQueue,
    InvalidTaskArguments,
    TaskRegistry,
    TaskStore,
    UnknownTask,
)


def noop(**_: object) -> None:
    return None


@pytest.fixture(autouse=True)
def _tasks(registry: TaskRegistry) -> None:
    registry.register("t.noop", noop, max_retries=1)


def _set(database: Database, task_id: str, **values: object) -> None:
    with database.transaction() as session:
        session.execute(update(TaskRecord).where(TaskRecord.id == task_id).values(**values))


def test_enqueue_records_pending_task(queue: InProcessTaskQueue) -> None:
    task_id = queue.enqueue("t.noop", {"a": [1, "x", None], "b": {"c": True}})
    info = queue.get(task_id)
    assert (info.status, info.attempts, info.queue, info.runner) == (
        "pending",
        0,
        "dataset",
        "inprocess",
    )
    assert info.args == {"a": [1, "x", None], "b": {"c": True}}


@pytest.mark.parametrize("args", [{"x": object()}, {"x": math.nan}, {"x": {1, 2}}, [1, 2]])
def test_enqueue_refuses_non_json(queue: InProcessTaskQueue, args: object) -> None:
    with pytest.raises(InvalidTaskArguments):
        queue.enqueue("t.noop", args)  # type: ignore[arg-type]
    assert queue.store.records() == []


def test_enqueue_unknown_task(queue: InProcessTaskQueue) -> None:
    with pytest.raises(UnknownTask):
        queue.enqueue("t.missing")
    assert queue.store.records() == []


def test_get_missing(queue: InProcessTaskQueue) -> None:
    with pytest.raises(NotFound):
        queue.get("nope")


def test_idempotency_key_returns_first_task(queue: InProcessTaskQueue) -> None:
    first = queue.enqueue("t.noop", {"n": 1}, idempotency_key="doc-1")
    second = queue.enqueue("t.noop", {"n": 2}, idempotency_key="doc-1")
    other = queue.enqueue("t.noop", {"n": 3}, idempotency_key="doc-2")
    assert first == second != other
    assert len(queue.store.records()) == 2
    assert queue.get(first).args == {"n": 1}


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_idempotency_key_length_is_checked(queue: InProcessTaskQueue, key: str) -> None:
    with pytest.raises(InvalidTaskArguments, match="idempotency_key"):
        queue.enqueue("t.noop", idempotency_key=key)
    assert queue.store.records() == []


def test_only_the_token_owner_finishes(queue: InProcessTaskQueue, store: TaskStore) -> None:
    task_id = queue.enqueue("t.noop")
    [claim] = store.claim("w1", 5)
    assert store.claim("w2", 5) == []
    assert not store.succeed(task_id, "w2:1")
    assert store.succeed(task_id, claim.token)
    assert not store.succeed(task_id, claim.token)  # finished already
    assert store.get(task_id).status == "succeeded"


def test_claim_respects_run_after_and_limit(queue: InProcessTaskQueue, store: TaskStore) -> None:
    later_id = queue.enqueue("t.noop", delay=30)
    ids = {queue.enqueue("t.noop") for _ in range(3)}
    claims = store.claim("w", 2)
    assert len(claims) == 2 and {c.id for c in claims} <= ids
    assert len(store.claim("w", 5)) == 1
    assert store.claim("w", 5) == []
    assert store.get(later_id).status == "pending"


def test_celery_begin_creates_missing_record_and_skips_finished(
    registry: TaskRegistry, store: TaskStore
) -> None:
    spec = registry.get("t.noop")
    claim = store.begin(spec, "beat-1", {"k": 1}, "w", 60)
    assert claim is not None and claim.attempt == 1
    assert store.get("beat-1").runner == "celery"
    assert store.succeed("beat-1", claim.token)
    assert store.begin(spec, "beat-1", {"k": 1}, "w", 60) is None  # redelivered after success


def test_celery_begin_redelivery_counts_attempts(registry: TaskRegistry, store: TaskStore) -> None:
    spec = registry.get("t.noop")  # max_retries=1: two attempts in all
    assert store.begin(spec, "t1", {}, "w1", 60) is not None  # worker killed mid-task
    assert store.begin(spec, "t1", {}, "w2", 60) is None  # duplicate while w1 heart-beats
    _set(store.database, "t1", heartbeat_at=utcnow() - timedelta(minutes=1))
    second = store.begin(spec, "t1", {}, "w2", 60)
    assert second is not None and second.attempt == 2
    _set(store.database, "t1", heartbeat_at=utcnow() - timedelta(minutes=1))
    assert store.begin(spec, "t1", {}, "w3", 60) is None  # killed again: no attempts left
    info = store.get("t1")
    assert info.status == "failed" and "no attempts left" in (info.error or "")


def test_recover_past_deadline(queue: InProcessTaskQueue, store: TaskStore) -> None:
    retryable = queue.enqueue("t.noop")
    store.claim("dead-worker", 1)
    _set(store.database, retryable, deadline_at=utcnow() - timedelta(minutes=5))
    assert store.recover(lease_seconds=30) == []  # in-process records need no republish
    info = store.get(retryable)
    assert info.status == "pending" and "lost" in (info.error or "")
    [again] = store.claim("w", 1)
    _set(store.database, retryable, deadline_at=utcnow() - timedelta(minutes=5))
    store.recover(lease_seconds=30)
    assert store.get(retryable).status == "failed"  # second attempt of max_retries=1
    assert again.attempt == 2


def test_recover_stale_heartbeat_but_not_live_ones(
    queue: InProcessTaskQueue, store: TaskStore
) -> None:
    stale, live = queue.enqueue("t.noop"), queue.enqueue("t.noop")
    store.claim("w", 2)
    _set(store.database, stale, heartbeat_at=utcnow() - timedelta(minutes=2))
    store.recover(lease_seconds=30)
    assert store.get(stale).status == "pending"
    assert store.get(live).status == "running"


def test_recover_returns_celery_records_to_republish(
    registry: TaskRegistry, store: TaskStore
) -> None:
    spec = registry.get("t.noop")
    store.begin(spec, "c1", {}, "w", 60)
    _set(store.database, "c1", deadline_at=utcnow() - timedelta(minutes=5))
    info, _ = store.create(spec, {}, runner="celery", time_limit=60, task_id="c2")
    _set(store.database, "c2", updated_at=utcnow() - timedelta(hours=2))
    fresh, _ = store.create(spec, {}, runner="celery", time_limit=60, task_id="c3")
    again = store.recover(lease_seconds=30, stale_pending_seconds=3600)
    assert sorted(i.id for i in again) == ["c1", "c2"]
    assert store.recover(lease_seconds=30, stale_pending_seconds=3600) == []


def test_release_does_not_count_an_attempt(queue: InProcessTaskQueue, store: TaskStore) -> None:
    task_id = queue.enqueue("t.noop")
    [claim] = store.claim("w", 1)
    assert store.release(task_id, claim.token)
    info = store.get(task_id)
    assert (info.status, info.attempts) == ("pending", 0)
    assert not store.release(task_id, claim.token)


def test_cleanup_deletes_only_old_finished(queue: InProcessTaskQueue, store: TaskStore) -> None:
    old, recent, pending = (queue.enqueue("t.noop") for _ in range(3))
    for claim in store.claim("w", 2):
        store.succeed(claim.id, claim.token)
    finished = [r.id for r in store.records(status="succeeded")]
    _set(store.database, finished[0], finished_at=utcnow() - timedelta(days=10))
    assert store.cleanup(older_than=timedelta(days=7)) == 1
    remaining = {r.id for r in store.records()}
    assert finished[0] not in remaining and finished[1] in remaining
    assert len(remaining) == 2 and {old, recent, pending} >= remaining


def test_schedule_claim_once_per_interval_across_stores(database: Database) -> None:
    first, second = TaskStore(database), TaskStore(database)
    every = timedelta(hours=1)
    assert first.claim_schedule("job", every)
    assert not second.claim_schedule("job", every)
    assert not first.claim_schedule("job", every)
    with database.transaction() as session:
        from yarrow.db.models import TaskScheduleRun

        session.execute(update(TaskScheduleRun).values(last_run_at=utcnow() - timedelta(hours=2)))
    assert second.claim_schedule("job", every)
    assert not first.claim_schedule("job", every)
