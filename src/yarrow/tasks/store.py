"""SQL for task records and schedule runs. Every state change is a conditional update, so two
runners (or a redelivered message) never both complete one attempt.

An attempt is owned by a *token* (``worker:attempt``) written to ``worker`` when it starts; only
the owner of the current token may finish it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from yarrow.db.base import new_id, utcnow
from yarrow.db.engine import Database
from yarrow.db.models.tasks import TaskRecord, TaskScheduleRun
from yarrow.errors import NotFound
from yarrow.tasks.errors import InvalidTaskArguments
from yarrow.tasks.registry import TaskSpec

_FINISHED = ("succeeded", "failed")
_ERROR_MAX = 4000
_KEY_MAX = 255


@dataclass(frozen=True)
class TaskInfo:
    """A snapshot of one task record."""

    id: str
    name: str
    queue: str
    runner: str
    status: str
    attempts: int
    max_retries: int
    args: dict[str, Any]
    error: str | None
    idempotency_key: str | None
    run_after: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Claim:
    """One started attempt of a task."""

    id: str
    name: str
    args: dict[str, Any]
    attempt: int
    token: str
    time_limit: int
    deadline_at: datetime


def _info(row: TaskRecord) -> TaskInfo:
    return TaskInfo(
        id=row.id,
        name=row.name,
        queue=row.queue,
        runner=row.runner,
        status=row.status,
        attempts=row.attempts,
        max_retries=row.max_retries,
        args=json.loads(row.args),
        error=row.error,
        idempotency_key=row.idempotency_key,
        run_after=row.run_after,
        finished_at=row.finished_at,
    )


def later(seconds: float) -> datetime:
    """``utcnow()`` plus ``seconds``, rounded up to the stored one-second resolution."""
    whole = int(seconds) + (0 if float(seconds).is_integer() else 1)
    return utcnow() + timedelta(seconds=whole)


class TaskStore:
    """Task records over one database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def create(
        self,
        spec: TaskSpec,
        args: Mapping[str, Any],
        *,
        runner: str,
        time_limit: int,
        idempotency_key: str | None = None,
        run_after: datetime | None = None,
        task_id: str | None = None,
    ) -> tuple[TaskInfo, bool]:
        """Record a new pending task; with a known ``idempotency_key``, the earlier one instead."""
        if idempotency_key is not None and not 0 < len(idempotency_key) <= _KEY_MAX:
            raise InvalidTaskArguments(f"idempotency_key must be 1 to {_KEY_MAX} characters.")
        if idempotency_key is not None:
            existing = self._by_key(idempotency_key)
            if existing is not None:
                return existing, False
        row = TaskRecord(
            id=task_id or new_id(),
            name=spec.name,
            queue=spec.queue,
            runner=runner,
            args=json.dumps(dict(args), separators=(",", ":")),
            status="pending",
            attempts=0,
            max_retries=spec.max_retries,
            time_limit=time_limit,
            idempotency_key=idempotency_key,
            run_after=run_after or utcnow(),
        )
        try:
            with self.database.transaction() as session:
                session.add(row)
        except IntegrityError:
            if idempotency_key is None:
                raise
            existing = self._by_key(idempotency_key)
            if existing is None:  # pragma: no cover - the row that conflicted was deleted
                raise
            return existing, False
        return _info(row), True

    def _by_key(self, key: str) -> TaskInfo | None:
        with self.database.session() as session:
            row = session.scalars(
                select(TaskRecord).where(TaskRecord.idempotency_key == key)
            ).one_or_none()
            return None if row is None else _info(row)

    def get(self, task_id: str) -> TaskInfo:
        """The record ``task_id``; :class:`NotFound` when there is none."""
        with self.database.session() as session:
            row = session.get(TaskRecord, task_id)
            if row is None:
                raise NotFound(f"No task {task_id!r}.")
            return _info(row)

    def records(self, *, status: str | None = None, name: str | None = None) -> list[TaskInfo]:
        """Records, oldest first, optionally filtered."""
        query = select(TaskRecord).order_by(TaskRecord.created_at, TaskRecord.id)
        if status is not None:
            query = query.where(TaskRecord.status == status)
        if name is not None:
            query = query.where(TaskRecord.name == name)
        with self.database.session() as session:
            return [_info(r) for r in session.scalars(query)]

    def claim(self, worker: str, limit: int, *, runner: str = "inprocess") -> list[Claim]:
        """Start up to ``limit`` due pending tasks of ``runner`` for ``worker``."""
        if limit <= 0:
            return []
        now = utcnow()
        with self.database.session() as session:
            ids = session.scalars(
                select(TaskRecord.id)
                .where(
                    TaskRecord.status == "pending",
                    TaskRecord.runner == runner,
                    TaskRecord.run_after <= now,
                )
                .order_by(TaskRecord.run_after, TaskRecord.created_at)
                .limit(limit * 2)
            ).all()
        claims: list[Claim] = []
        for task_id in ids:
            claim = self._start(task_id, worker, ("pending",))
            if claim is not None:
                claims.append(claim)
                if len(claims) == limit:
                    break
        return claims

    def begin(
        self,
        spec: TaskSpec,
        task_id: str,
        args: Mapping[str, Any],
        worker: str,
        time_limit: int,
        *,
        lease_seconds: int = 30,
    ) -> Claim | None:
        """Start a delivered (Celery) message's attempt; ``None`` when it must not run.

        A message without a record (sent by beat) gets one. A finished record is not run again
        (a redelivery after completion), nor one whose running attempt heart-beat within
        ``lease_seconds`` (a duplicate delivery); one whose attempts are used up is failed.
        """
        with self.database.session() as session:
            exists = session.get(TaskRecord, task_id) is not None
        if not exists:
            with contextlib.suppress(IntegrityError):  # created concurrently by another delivery
                self.create(spec, args, runner="celery", time_limit=time_limit, task_id=task_id)
        with self.database.transaction() as session:
            row = session.get(TaskRecord, task_id)
            if row is None or row.status in _FINISHED:
                return None
            fresh = utcnow() - timedelta(seconds=lease_seconds)
            if row.status == "running" and row.heartbeat_at and row.heartbeat_at > fresh:
                return None
            if row.attempts > row.max_retries:
                row.status, row.finished_at = "failed", utcnow()
                row.error = _clip(f"{row.error or 'worker lost'}; no attempts left")
                return None
        return self._start(task_id, worker, ("pending", "running"))

    def _start(self, task_id: str, worker: str, states: Sequence[str]) -> Claim | None:
        now = utcnow()
        with self.database.transaction() as session:
            row = session.get(TaskRecord, task_id)
            if row is None or row.status not in states:
                return None
            attempt = row.attempts + 1
            token = f"{worker}:{attempt}"
            deadline = now + timedelta(seconds=row.time_limit)
            result = session.execute(
                update(TaskRecord)
                .where(
                    TaskRecord.id == task_id,
                    TaskRecord.attempts == row.attempts,
                    TaskRecord.status.in_(states),
                )
                .values(
                    status="running",
                    attempts=attempt,
                    worker=token,
                    started_at=now,
                    heartbeat_at=now,
                    deadline_at=deadline,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return Claim(
                row.id, row.name, json.loads(row.args), attempt, token, row.time_limit, deadline
            )

    def succeed(self, task_id: str, token: str) -> bool:
        """Complete the attempt owned by ``token``; False if it no longer owns the task."""
        return self._finish(task_id, token, status="succeeded", error=None)

    def fail(self, task_id: str, token: str, error: str, *, retry_at: datetime | None) -> bool:
        """End the attempt: back to pending at ``retry_at``, or failed when ``None``."""
        if retry_at is not None:
            return self._finish(task_id, token, status="pending", error=error, run_after=retry_at)
        return self._finish(task_id, token, status="failed", error=error)

    def release(self, task_id: str, token: str) -> bool:
        """Give an unfinished attempt back (graceful stop); it does not count as an attempt."""
        now = utcnow()
        with self.database.transaction() as session:
            result = session.execute(
                update(TaskRecord)
                .where(
                    TaskRecord.id == task_id,
                    TaskRecord.worker == token,
                    TaskRecord.status == "running",
                )
                .values(
                    status="pending",
                    attempts=TaskRecord.attempts - 1,
                    worker=None,
                    run_after=now,
                    updated_at=now,
                )
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def _finish(
        self,
        task_id: str,
        token: str,
        *,
        status: str,
        error: str | None,
        run_after: datetime | None = None,
    ) -> bool:
        now = utcnow()
        values: dict[str, Any] = {"status": status, "error": _clip(error), "updated_at": now}
        if status == "pending":
            values.update(worker=None, run_after=run_after or now)
        else:
            values["finished_at"] = now
        with self.database.transaction() as session:
            result = session.execute(
                update(TaskRecord)
                .where(
                    TaskRecord.id == task_id,
                    TaskRecord.worker == token,
                    TaskRecord.status == "running",
                )
                .values(**values)
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def heartbeat(self, tokens: Sequence[str]) -> None:
        """Mark the attempts owned by ``tokens`` as alive."""
        if not tokens:
            return
        now = utcnow()
        with self.database.transaction() as session:
            session.execute(
                update(TaskRecord)
                .where(TaskRecord.worker.in_(list(tokens)), TaskRecord.status == "running")
                .values(heartbeat_at=now)
            )

    def recover(
        self, *, lease_seconds: int, grace_seconds: int = 30, stale_pending_seconds: int = 3600
    ) -> list[TaskInfo]:
        """Rescue stuck work; return the records a broker must be given again.

        A running record past its deadline (plus ``grace_seconds``) or without a heartbeat for
        ``lease_seconds`` goes back to pending when it has retries left and to
        failed otherwise. Celery records pending for ``stale_pending_seconds`` (a lost publish)
        are returned too.
        """
        now = utcnow()
        stuck = or_(
            TaskRecord.deadline_at < now - timedelta(seconds=grace_seconds),
            TaskRecord.heartbeat_at < now - timedelta(seconds=lease_seconds),
        )
        rescued: list[str] = []
        with self.database.transaction() as session:
            rows = session.scalars(
                select(TaskRecord).where(TaskRecord.status == "running", stuck).with_for_update()
            ).all()
            for row in rows:
                reason = f"attempt {row.attempts} lost (worker {row.worker}) or past its time limit"
                row.worker, row.updated_at, row.error = None, now, reason
                if row.attempts <= row.max_retries:
                    row.status, row.run_after = "pending", now
                    rescued.append(row.id)
                else:
                    row.status, row.finished_at = "failed", now
            stale = session.scalars(
                select(TaskRecord).where(
                    TaskRecord.status == "pending",
                    TaskRecord.runner == "celery",
                    TaskRecord.updated_at < now - timedelta(seconds=stale_pending_seconds),
                )
            ).all()
            for row in stale:
                row.updated_at = now
                rescued.append(row.id)
        with self.database.session() as session:
            return [
                _info(r)
                for r in session.scalars(select(TaskRecord).where(TaskRecord.id.in_(rescued)))
                if r.runner == "celery"
            ]

    def cleanup(self, *, older_than: timedelta) -> int:
        """Delete finished records whose ``finished_at`` is older than ``older_than``."""
        cutoff = utcnow() - older_than
        with self.database.transaction() as session:
            result = session.execute(
                delete(TaskRecord).where(
                    TaskRecord.status.in_(_FINISHED), TaskRecord.finished_at < cutoff
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def claim_schedule(self, name: str, every: timedelta) -> bool:
        """True once per ``every`` per job name, across all processes sharing the database."""
        now = utcnow()
        with self.database.transaction() as session:
            result = session.execute(
                update(TaskScheduleRun)
                .where(TaskScheduleRun.name == name, TaskScheduleRun.last_run_at <= now - every)
                .values(last_run_at=now)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                return True
            if session.get(TaskScheduleRun, name) is not None:
                return False
        try:
            with self.database.transaction() as session:
                session.add(TaskScheduleRun(name=name, last_run_at=now))
        except IntegrityError:
            return False
        return True


def _clip(text: str | None) -> str | None:
    return None if text is None else text[:_ERROR_MAX]
