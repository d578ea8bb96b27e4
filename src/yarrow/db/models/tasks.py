"""Task records (every enqueued task, in-process or Celery) and the periodic schedule's last runs.

A record is the source of truth for a task's state: the in-process runner claims ``pending`` rows
whose ``run_after`` has passed; both runners move it through ``running`` to ``succeeded`` or
``failed`` (or back to ``pending`` with a later ``run_after`` for a retry). ``idempotency_key`` is
unique, so enqueueing the same key twice yields the first task.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yarrow.db.base import Base, IdMixin, TimestampMixin, utcnow

#: States of a task record.
TASK_STATUSES: tuple[str, ...] = ("pending", "running", "succeeded", "failed")


class TaskRecord(IdMixin, TimestampMixin, Base):
    """One enqueued task; its id is also the Celery task id."""

    __tablename__ = "task_records"
    __table_args__ = (
        Index("ix_task_records_status_run_after", "status", "run_after"),
        Index("ix_task_records_status_finished_at", "status", "finished_at"),
    )

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    queue: Mapped[str] = mapped_column(String(64), nullable=False)
    runner: Mapped[str] = mapped_column(String(16), nullable=False)
    args: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), default="pending", nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    max_retries: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    time_limit: Mapped[int] = mapped_column(Integer, nullable=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    run_after: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    worker: Mapped[str | None] = mapped_column(String(255))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(Text)


class TaskScheduleRun(Base):
    """When a periodic job last fired; claimed with a conditional update so it fires once."""

    __tablename__ = "task_schedule_runs"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
