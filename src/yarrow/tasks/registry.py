"""Named tasks and periodic jobs: what a process can run, and when the schedule runs it.

A task is a plain callable that takes JSON keyword arguments. Later features register theirs with
:meth:`TaskRegistry.register` (or the :meth:`TaskRegistry.task` decorator) at wiring time, binding
their collaborators in a closure; a module named in ``YARROW_TASK_MODULES`` may expose
``register(registry, schedule)`` for the same purpose.
"""

from __future__ import annotations

import importlib
import random
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from yarrow.errors import InvalidInput, NotFound
from yarrow.tasks.errors import TaskRegistrationError, UnknownTask

#: Dify's self-hosted queue names, plus ``generation`` (earlier Dify releases) and ``ops``.
QUEUES: tuple[str, ...] = (
    "dataset",
    "priority_dataset",
    "priority_pipeline",
    "pipeline",
    "generation",
    "mail",
    "ops",
    "ops_trace",
    "app_deletion",
    "plugin",
    "workflow_storage",
    "conversation",
    "workflow",
    "schedule_poller",
    "schedule_executor",
    "triggered_workflow_dispatcher",
    "trigger_refresh_executor",
    "retention",
)

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,254}$")
Handler = Callable[..., object]


@dataclass(frozen=True)
class TaskSpec:
    """A named task and its execution policy.

    ``max_retries`` counts retries after the first attempt. The n-th retry waits
    ``min(backoff_max, backoff * 2 ** (n - 1))`` seconds scaled by a jitter in [0.5, 1].
    ``time_limit`` (seconds) bounds one attempt; ``None`` takes the process default.
    Exceptions in ``permanent`` (and :class:`~yarrow.tasks.errors.PermanentTaskError`) fail the
    task at once; everything else is retried.
    """

    name: str
    handler: Handler
    queue: str = "dataset"
    max_retries: int = 3
    backoff: float = 2.0
    backoff_max: float = 600.0
    time_limit: int | None = None
    permanent: tuple[type[BaseException], ...] = (InvalidInput, NotFound)

    def retry_delay(self, retry: int, *, jitter: bool = True) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        delay = float(min(self.backoff_max, self.backoff * 2 ** max(0, retry - 1)))
        return delay * random.uniform(0.5, 1.0) if jitter else delay


class TaskRegistry:
    """The tasks of one process, by name."""

    def __init__(self, queues: tuple[str, ...] = QUEUES) -> None:
        self._specs: dict[str, TaskSpec] = {}
        self.queues = queues

    def register(self, name: str, handler: Handler, **options: Any) -> TaskSpec:
        """Register ``handler`` as task ``name`` (options: see :class:`TaskSpec`)."""
        spec = TaskSpec(name=name, handler=handler, **options)
        if not _NAME.match(name):
            raise TaskRegistrationError(f"Invalid task name {name!r}.")
        if name in self._specs:
            raise TaskRegistrationError(f"Task {name!r} is already registered.")
        if spec.queue not in self.queues:
            known = ", ".join(self.queues)
            raise TaskRegistrationError(
                f"Task {name!r} names unknown queue {spec.queue!r}; known: {known}."
            )
        bad_limit = spec.time_limit is not None and spec.time_limit < 1
        if spec.max_retries < 0 or spec.backoff < 0 or bad_limit:
            raise TaskRegistrationError(f"Task {name!r} has a negative retry or time option.")
        self._specs[name] = spec
        return spec

    def task(self, name: str, **options: Any) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`register`."""

        def decorate(handler: Handler) -> Handler:
            self.register(name, handler, **options)
            return handler

        return decorate

    def get(self, name: str) -> TaskSpec:
        """The spec of ``name``; :class:`UnknownTask` lists the registered names."""
        try:
            return self._specs[name]
        except KeyError:
            known = ", ".join(sorted(self._specs)) or "none"
            raise UnknownTask(f"No task named {name!r}; registered: {known}.") from None

    def __iter__(self) -> Iterator[TaskSpec]:
        return iter(list(self._specs.values()))

    def __contains__(self, name: object) -> bool:
        return name in self._specs


@dataclass(frozen=True)
class PeriodicJob:
    """Enqueue ``task`` with ``args`` every ``every``."""

    name: str
    task: str
    every: timedelta
    args: Mapping[str, Any] = field(default_factory=dict)


class Schedule:
    """The periodic jobs of a deployment: run by ``yarrow beat`` or the in-process runner."""

    def __init__(self) -> None:
        self._jobs: dict[str, PeriodicJob] = {}

    def add(
        self, name: str, task: str, every: timedelta, args: Mapping[str, Any] | None = None
    ) -> PeriodicJob:
        """Add a periodic job (the hook for vector-store reconcile, backups, ...)."""
        if name in self._jobs:
            raise TaskRegistrationError(f"Periodic job {name!r} is already scheduled.")
        if every.total_seconds() < 1:
            raise TaskRegistrationError(f"Periodic job {name!r} must run at most once a second.")
        job = PeriodicJob(name, task, every, dict(args or {}))
        self._jobs[name] = job
        return job

    def __iter__(self) -> Iterator[PeriodicJob]:
        return iter(list(self._jobs.values()))

    def check(self, registry: TaskRegistry) -> None:
        """Raise if a job names a task that is not registered."""
        for job in self:
            if job.task not in registry:
                raise TaskRegistrationError(
                    f"Periodic job {job.name!r} names unregistered task {job.task!r}."
                )


def load_task_modules(modules: str, registry: TaskRegistry, schedule: Schedule) -> None:
    """Call ``register(registry, schedule)`` of each comma-separated module name."""
    for module_name in (m.strip() for m in modules.split(",")):
        if not module_name:
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise TaskRegistrationError(f"Cannot import task module {module_name!r}.") from exc
        register = getattr(module, "register", None)
        if not callable(register):
            raise TaskRegistrationError(f"Task module {module_name!r} has no register() function.")
        register(registry, schedule)
