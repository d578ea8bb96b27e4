"""Build the task system of one process: registry, schedule, store, queue and runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from yarrow.db.engine import Database
from yarrow.settings.redis import CelerySettings
from yarrow.tasks.celery_runner import CeleryRunner
from yarrow.tasks.inprocess import InProcessRunner, InProcessTaskQueue
from yarrow.tasks.interface import TaskQueue
from yarrow.tasks.maintenance import UploadSweeper, register_maintenance
from yarrow.tasks.registry import Schedule, TaskRegistry, load_task_modules
from yarrow.tasks.store import TaskStore

#: Adds a feature's tasks and periodic jobs (called once, before the queue is built).
Registration = Callable[[TaskRegistry, Schedule], None]


@dataclass
class TaskSystem:
    """Everything one process needs for background work.

    ``runner`` is the in-process runner (``yarrow serve``) to ``start()``/``stop()`` around the
    server; ``celery`` is set instead when a broker is configured.
    """

    registry: TaskRegistry
    schedule: Schedule
    store: TaskStore
    queue: TaskQueue
    runner: InProcessRunner | None = None
    celery: CeleryRunner | None = None

    def start(self) -> None:
        """Start the in-process runner, if any (Celery work runs in ``yarrow worker``)."""
        if self.runner is not None:
            self.runner.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the in-process runner: finish or hand back running attempts within ``timeout``."""
        if self.runner is not None:
            self.runner.stop(timeout)


def build_task_system(
    settings: CelerySettings,
    database: Database,
    *,
    in_process: bool,
    registrations: tuple[Registration, ...] = (),
    upload_sweeper: UploadSweeper | None = None,
    poll_interval: float = 1.0,
) -> TaskSystem:
    """The task system: in-process (embedded) or Celery (``CELERY_BROKER_URL`` required)."""
    registry, schedule, store = TaskRegistry(), Schedule(), TaskStore(database)
    holder: list[TaskQueue] = []
    register_maintenance(
        registry,
        schedule,
        store,
        settings,
        lambda: holder[0],
        upload_sweeper=upload_sweeper,
    )
    for registration in registrations:
        registration(registry, schedule)
    load_task_modules(settings.yarrow_task_modules, registry, schedule)
    schedule.check(registry)
    if in_process:
        queue = InProcessTaskQueue(registry, store, settings.yarrow_task_time_limit)
        holder.append(queue)
        runner = InProcessRunner(
            queue,
            workers=settings.yarrow_inprocess_task_workers,
            schedule=schedule,
            poll_interval=poll_interval,
            lease_seconds=settings.yarrow_task_lease_seconds,
        )
        return TaskSystem(registry, schedule, store, queue, runner=runner)
    celery = CeleryRunner(settings, registry, store, schedule)
    celery_queue = celery.queue()
    holder.append(celery_queue)
    return TaskSystem(registry, schedule, store, celery_queue, celery=celery)
