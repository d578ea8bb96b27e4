"""The task queue interface services enqueue through; runners implement it."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from yarrow.tasks.errors import InvalidTaskArguments
from yarrow.tasks.registry import TaskRegistry
from yarrow.tasks.store import TaskInfo, TaskStore


class TaskQueue(ABC):
    """Enqueue named tasks with JSON arguments; look at their records.

    ``enqueue`` returns once the task is recorded in the database (and, with a broker, published):
    from then on it is not lost. The same ``idempotency_key`` returns the first task's id and
    enqueues nothing. ``delay`` postpones the first attempt by that many seconds.
    """

    #: True when the queue depends on an external broker (``/ready`` then reports it).
    has_broker: bool = False

    def __init__(self, registry: TaskRegistry, store: TaskStore, default_time_limit: int) -> None:
        self.registry = registry
        self.store = store
        self.default_time_limit = default_time_limit

    @abstractmethod
    def enqueue(
        self,
        name: str,
        args: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        delay: float = 0.0,
    ) -> str:
        """Record (and publish) task ``name``; return its id."""

    def check(self, timeout: float = 5.0) -> None:  # noqa: B027 - no broker by default
        """Raise :class:`~yarrow.tasks.errors.BrokerUnavailable` if the broker does not answer."""

    def get(self, task_id: str) -> TaskInfo:
        """The record of ``task_id``."""
        return self.store.get(task_id)

    def republish(self, tasks: list[TaskInfo]) -> None:  # noqa: B027 - optional hook
        """Hand recovered records back to the broker (a no-op without one)."""

    def _checked_args(self, args: Mapping[str, Any] | None) -> dict[str, Any]:
        if args is None:
            return {}
        if not isinstance(args, Mapping):
            raise InvalidTaskArguments()
        try:
            return dict(json.loads(json.dumps(dict(args), allow_nan=False)))
        except (TypeError, ValueError) as exc:
            raise InvalidTaskArguments(f"Task arguments are not JSON: {exc}") from exc

    def _time_limit(self, name: str) -> int:
        return self.registry.get(name).time_limit or self.default_time_limit
