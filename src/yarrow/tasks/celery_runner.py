"""The Celery runner: registered tasks as Celery tasks on Redis (with Sentinel) or RabbitMQ.

Messages are acknowledged late (``acks_late``) and rejected when a worker child is lost, so a killed
worker's task is delivered again; the task record in the database makes the redelivery of a
finished task a no-op. Services never see Celery: they hold a :class:`CeleryTaskQueue`.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from celery import Celery
from celery.signals import worker_process_init
from kombu.exceptions import KombuError, OperationalError
from sqlalchemy.exc import SQLAlchemyError

from yarrow.errors import ConfigurationError
from yarrow.settings.redis import CelerySettings
from yarrow.tasks import kombu_redis
from yarrow.tasks.errors import BrokerUnavailable
from yarrow.tasks.execution import run_attempt
from yarrow.tasks.interface import TaskQueue
from yarrow.tasks.registry import Schedule, TaskRegistry, TaskSpec
from yarrow.tasks.store import TaskInfo, TaskStore, later

logger = logging.getLogger(__name__)

#: Seconds a hard time limit trails the soft one (the soft one lets the attempt record its failure).
HARD_LIMIT_MARGIN = 5


def broker_config(settings: CelerySettings) -> tuple[str, dict[str, Any]]:
    """The broker URL and transport options for Dify's CELERY_* variables.

    Raises:
        ConfigurationError: no broker URL, or Sentinel without a master name.
    """
    url = settings.celery_broker_url
    if not url:
        raise ConfigurationError(
            "CELERY_BROKER_URL is not set; it is needed outside embedded mode."
        )
    options: dict[str, Any] = {"visibility_timeout": settings.yarrow_task_visibility_timeout}
    if settings.celery_use_sentinel or url.startswith("sentinel://"):
        if not settings.celery_sentinel_master_name:
            raise ConfigurationError("CELERY_USE_SENTINEL needs CELERY_SENTINEL_MASTER_NAME.")
        sentinel_kwargs: dict[str, Any] = {
            "socket_timeout": settings.celery_sentinel_socket_timeout
        }
        if settings.celery_sentinel_password is not None:
            sentinel_kwargs["password"] = settings.celery_sentinel_password.get_secret_value()
        options.update(
            master_name=settings.celery_sentinel_master_name, sentinel_kwargs=sentinel_kwargs
        )
    return url, options


class CeleryRunner:
    """A Celery app whose tasks are the registry's, recording every attempt in ``store``."""

    def __init__(
        self,
        settings: CelerySettings,
        registry: TaskRegistry,
        store: TaskStore,
        schedule: Schedule | None = None,
    ) -> None:
        url, transport_options = broker_config(settings)
        kombu_redis.install()
        self.settings = settings
        self.registry = registry
        self.store = store
        self.app = Celery("yarrow", broker=url, set_as_current=False)
        self.app.conf.update(
            broker_transport_options=transport_options,
            broker_connection_retry_on_startup=True,
            broker_connection_timeout=5,
            task_acks_late=True,
            task_reject_on_worker_lost=True,
            task_ignore_result=True,
            task_serializer="json",
            accept_content=["json"],
            task_create_missing_queues=True,
            task_default_queue="dataset",
            worker_prefetch_multiplier=settings.celery_prefetch_multiplier,
            worker_max_tasks_per_child=settings.max_tasks_per_child,
            worker_hijack_root_logger=False,
            worker_cancel_long_running_tasks_on_connection_loss=False,
            task_publish_retry=True,
            task_publish_retry_policy={
                "max_retries": math.ceil(settings.yarrow_task_publish_retry_seconds / 0.5),
                "interval_start": 0,
                "interval_step": 0.5,
                "interval_max": 0.5,
            },
            task_routes={spec.name: {"queue": spec.queue} for spec in registry},
            beat_schedule=_beat_schedule(schedule or Schedule(), registry),
        )
        for spec in registry:
            self._bind(spec)
        worker_process_init.connect(self._after_fork, weak=False)

    def _after_fork(self, **_: Any) -> None:
        self.store.database.engine.dispose(close=False)

    def _bind(self, spec: TaskSpec) -> None:
        store = self.store
        limit = spec.time_limit or self.settings.yarrow_task_time_limit
        lease = self.settings.yarrow_task_lease_seconds

        def run(task: Any, **kwargs: Any) -> None:
            worker = f"{task.request.hostname or socket.gethostname()}:{os.getpid()}"
            claim = store.begin(spec, task.request.id, kwargs, worker, limit, lease_seconds=lease)
            if claim is None:
                logger.info("task %s (%s) finished or running; not run", spec.name, task.request.id)
                return
            with _heartbeat(store, claim.token, lease):
                outcome = run_attempt(spec, claim, store)
            if outcome.retry_in is not None:
                raise task.retry(countdown=outcome.retry_in, max_retries=None)

        self.app.task(
            run,
            name=spec.name,
            shared=False,  # a shared task would be added to every later Celery app of the process
            bind=True,
            acks_late=True,
            reject_on_worker_lost=True,
            soft_time_limit=limit,
            time_limit=limit + HARD_LIMIT_MARGIN,
            max_retries=None,
            ignore_result=True,
        )

    def queue(self) -> CeleryTaskQueue:
        """The task queue services enqueue through."""
        return CeleryTaskQueue(
            self, self.registry, self.store, self.settings.yarrow_task_time_limit
        )

    def worker_argv(self, queues: list[str], concurrency: int, loglevel: str) -> list[str]:
        """Arguments of ``celery worker`` for ``queues`` (all known queues when empty)."""
        names = queues or list(self.registry.queues)
        return [
            "worker",
            "--queues",
            ",".join(names),
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "--loglevel",
            loglevel,
            "--hostname",
            f"yarrow@{socket.gethostname()}.{os.getpid()}",
            "--without-gossip",
            "--without-mingle",
        ]


class CeleryTaskQueue(TaskQueue):
    """Records a task, then publishes it to the broker (retrying through a failover)."""

    has_broker = True

    def __init__(
        self, runner: CeleryRunner, registry: TaskRegistry, store: TaskStore, limit: int
    ) -> None:
        super().__init__(registry, store, limit)
        self.runner = runner

    def enqueue(
        self,
        name: str,
        args: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        delay: float = 0.0,
    ) -> str:
        spec = self.registry.get(name)
        info, created = self.store.create(
            spec,
            self._checked_args(args),
            runner="celery",
            time_limit=self._time_limit(name),
            idempotency_key=idempotency_key,
            run_after=later(delay) if delay > 0 else None,
        )
        if created:
            self._publish(info, countdown=delay)
        return info.id

    def republish(self, tasks: list[TaskInfo]) -> None:
        for info in tasks:
            self._publish(info, countdown=0)

    def _publish(self, info: TaskInfo, countdown: float) -> None:
        try:
            self.runner.app.send_task(
                info.name,
                kwargs=info.args,
                task_id=info.id,
                queue=info.queue,
                countdown=countdown or None,
            )
        except (KombuError, OSError) as exc:
            raise BrokerUnavailable(
                f"Task {info.id} is recorded but could not be published ({type(exc).__name__}); "
                "the recovery job publishes it when the broker is back."
            ) from exc

    def check(self, timeout: float = 5.0) -> None:
        try:
            with self.runner.app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
                connection.channel().close()  # opening a Redis channel sends PING
        except (KombuError, OperationalError, OSError) as exc:
            raise BrokerUnavailable(f"Broker unreachable: {type(exc).__name__}: {exc}") from exc


@contextmanager
def _heartbeat(store: TaskStore, token: str, lease: int) -> Iterator[None]:
    """Refresh the attempt's heartbeat every third of ``lease`` while the block runs."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(max(0.5, lease / 3)):
            try:
                store.heartbeat([token])
            except SQLAlchemyError:
                logger.warning("heartbeat of %s failed", token, exc_info=True)

    thread = threading.Thread(target=beat, name="yarrow-task-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(5)


def _beat_schedule(schedule: Schedule, registry: TaskRegistry) -> dict[str, dict[str, Any]]:
    return {
        job.name: {
            "task": job.task,
            "schedule": job.every.total_seconds(),
            "kwargs": dict(job.args),
            "options": {"queue": registry.get(job.task).queue},
        }
        for job in schedule
    }
