"""Tasks in flight: stop signals and the per-app limit on concurrent requests.

In-process implementation; a Redis-backed one (for stops from any replica) plugs in behind the
same methods.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from yarrow.errors import QuotaExceeded


@dataclass
class RunningTask:
    """A generation in flight that its end user may stop."""

    task_id: str
    app_id: str
    end_user_id: str
    stopped: threading.Event = field(default_factory=threading.Event)


class TaskRegistry:
    """Stop signals by task id, and active-request counting per app."""

    def __init__(self, max_active_per_app: int = 0) -> None:
        self._max = max_active_per_app
        self._lock = threading.Lock()
        self._tasks: dict[str, RunningTask] = {}
        self._active: dict[str, int] = {}

    def start(self, task_id: str, app_id: str, app_name: str, end_user_id: str) -> RunningTask:
        """Register a task; raise QuotaExceeded when the app is at its concurrency limit."""
        with self._lock:
            active = self._active.get(app_id, 0)
            if self._max and active >= self._max:
                raise QuotaExceeded(
                    f"Too many requests. Please try again later. The current maximum concurrent "
                    f"requests allowed for {app_name} is {self._max}.",
                    code="too_many_requests",
                )
            self._active[app_id] = active + 1
            task = RunningTask(task_id, app_id, end_user_id)
            self._tasks[task_id] = task
            return task

    def finish(self, task: RunningTask) -> None:
        """Forget a task and free its app slot."""
        with self._lock:
            if self._tasks.pop(task.task_id, None) is not None:
                self._active[task.app_id] = max(0, self._active.get(task.app_id, 1) - 1)

    def stop(self, task_id: str, app_id: str, end_user_id: str) -> bool:
        """Signal a task to stop if it belongs to this app and end user (else a silent no-op)."""
        with self._lock:
            task = self._tasks.get(task_id)
        if task is None or task.app_id != app_id or task.end_user_id != end_user_id:
            return False
        task.stopped.set()
        return True

    def active(self, app_id: str) -> int:
        """Requests of an app in flight."""
        with self._lock:
            return self._active.get(app_id, 0)
