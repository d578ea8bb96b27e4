"""Built-in periodic jobs: recover stuck tasks, delete old task records, sweep expired uploads."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from yarrow.settings.redis import CelerySettings
from yarrow.tasks.interface import TaskQueue
from yarrow.tasks.registry import Schedule, TaskRegistry
from yarrow.tasks.store import TaskStore

logger = logging.getLogger(__name__)

RECOVER_TASK = "yarrow.tasks.recover_stuck"
CLEANUP_TASK = "yarrow.tasks.cleanup_task_records"
UPLOAD_CLEANUP_TASK = "yarrow.files.cleanup_expired_uploads"

#: Deletes expired upload files and returns how many; supplied by the files feature.
UploadSweeper = Callable[[], int]


def register_maintenance(
    registry: TaskRegistry,
    schedule: Schedule,
    store: TaskStore,
    settings: CelerySettings,
    queue: Callable[[], TaskQueue],
    *,
    upload_sweeper: UploadSweeper | None = None,
) -> None:
    """Register the maintenance tasks and their schedule.

    ``queue`` returns the process's task queue (it is built after the registry); recovered Celery
    records are published to it again.
    """

    def recover_stuck() -> None:
        republish = store.recover(
            lease_seconds=settings.yarrow_task_lease_seconds,
            stale_pending_seconds=settings.yarrow_task_visibility_timeout,
        )
        if republish:
            logger.warning("republishing %d recovered tasks", len(republish))
            queue().republish(republish)

    def cleanup_task_records() -> None:
        deleted = store.cleanup(
            older_than=timedelta(days=settings.yarrow_task_record_retention_days)
        )
        logger.info("deleted %d finished task records", deleted)

    registry.register(RECOVER_TASK, recover_stuck, queue="retention", max_retries=0)
    registry.register(CLEANUP_TASK, cleanup_task_records, queue="retention", max_retries=1)
    schedule.add(
        RECOVER_TASK, RECOVER_TASK, timedelta(seconds=settings.yarrow_task_recovery_interval)
    )
    days = timedelta(days=settings.celery_beat_scheduler_time)
    schedule.add(CLEANUP_TASK, CLEANUP_TASK, days)
    if upload_sweeper is not None:
        sweeper = upload_sweeper

        def cleanup_expired_uploads() -> None:
            logger.info("deleted %d expired upload files", sweeper())

        registry.register(UPLOAD_CLEANUP_TASK, cleanup_expired_uploads, queue="retention")
        schedule.add(UPLOAD_CLEANUP_TASK, UPLOAD_CLEANUP_TASK, days)
