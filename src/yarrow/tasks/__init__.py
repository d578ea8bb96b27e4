"""Task queue interface with Celery and in-process runners; schedules.

Services enqueue through :class:`TaskQueue` and never import Celery. Entrypoints build a
:class:`TaskSystem` with :func:`build_task_system`.
"""

from yarrow.tasks.errors import (
    BrokerUnavailable,
    InvalidTaskArguments,
    PermanentTaskError,
    TaskRegistrationError,
    UnknownTask,
)
from yarrow.tasks.factory import Registration, TaskSystem, build_task_system
from yarrow.tasks.inprocess import InProcessRunner, InProcessTaskQueue
from yarrow.tasks.interface import TaskQueue
from yarrow.tasks.registry import QUEUES, PeriodicJob, Schedule, TaskRegistry, TaskSpec
from yarrow.tasks.store import TaskInfo, TaskStore

__all__ = [
    "QUEUES",
    "BrokerUnavailable",
    "InProcessRunner",
    "InProcessTaskQueue",
    "InvalidTaskArguments",
    "PeriodicJob",
    "PermanentTaskError",
    "Registration",
    "Schedule",
    "TaskInfo",
    "TaskQueue",
    "TaskRegistrationError",
    "TaskRegistry",
    "TaskSpec",
    "TaskStore",
    "TaskSystem",
    "UnknownTask",
    "build_task_system",
]
