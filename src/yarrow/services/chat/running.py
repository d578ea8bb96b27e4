"""Tasks in flight: stop signals (from any replica) and the per-app limit on concurrent requests.

A stop is published on a pub/sub channel (Redis when configured, in memory otherwise); every
replica listens and stops the task if it runs it and it belongs to that app and end user. Another
user's stop is a silent no-op, as in Dify.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field

from yarrow.cache import CacheUnavailable, PubSub
from yarrow.errors import QuotaExceeded

logger = logging.getLogger(__name__)
STOP_CHANNEL = "yarrow:chat:stop"


@dataclass
class RunningTask:
    """A generation in flight that its end user may stop."""

    task_id: str
    app_id: str
    end_user_id: str
    stopped: threading.Event = field(default_factory=threading.Event)


class TaskRegistry:
    """Stop signals by task id, and active-request counting per app."""

    def __init__(self, max_active_per_app: int = 0, pubsub: PubSub | None = None) -> None:
        self._max = max_active_per_app
        self._lock = threading.Lock()
        self._tasks: dict[str, RunningTask] = {}
        self._active: dict[str, int] = {}
        self._pubsub = pubsub
        self._listener: threading.Thread | None = None
        self._closing = threading.Event()

    def start(self, task_id: str, app_id: str, app_name: str, end_user_id: str) -> RunningTask:
        """Register a task; raise QuotaExceeded when the app is at its concurrency limit."""
        self._ensure_listening()
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
        """Stop a task here, or ask the other replicas to; True if it ran here and stopped."""
        if self.stop_local(task_id, app_id, end_user_id):
            return True
        if self._pubsub is not None:
            message = {"task_id": task_id, "app_id": app_id, "end_user_id": end_user_id}
            try:
                self._pubsub.publish(STOP_CHANNEL, json.dumps(message).encode())
            except CacheUnavailable:
                logger.warning("could not publish a stop signal for task %s", task_id)
        return False

    def stop_local(self, task_id: str, app_id: str, end_user_id: str) -> bool:
        """Signal a task of this process if it belongs to this app and end user."""
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

    def close(self) -> None:
        """Stop listening for stop signals (a later task starts listening again)."""
        self._closing.set()
        if self._listener is not None:
            self._listener.join(timeout=5)
        with self._lock:
            self._listener = None
            self._closing = threading.Event()

    def _ensure_listening(self) -> None:
        if self._pubsub is None or self._listener is not None:
            return
        with self._lock:
            if self._listener is None:
                ready = threading.Event()
                self._listener = threading.Thread(
                    target=self._listen,
                    args=(ready, self._closing),
                    name="chat-stop-listener",
                    daemon=True,
                )
                self._listener.start()
                ready.wait(timeout=5)

    def _listen(self, ready: threading.Event, closing: threading.Event) -> None:
        assert self._pubsub is not None
        while not closing.is_set():
            try:
                with self._pubsub.subscribe(STOP_CHANNEL) as subscription:
                    ready.set()
                    while not closing.is_set():
                        raw = subscription.get(timeout=0.5)
                        if raw is not None:
                            self._handle(raw)
            except CacheUnavailable:
                ready.set()
                closing.wait(1.0)  # Redis is failing over: listen again shortly

    def _handle(self, raw: bytes) -> None:
        try:
            message = json.loads(raw)
            self.stop_local(
                str(message["task_id"]), str(message["app_id"]), str(message["end_user_id"])
            )
        except (ValueError, KeyError, TypeError):
            logger.warning("ignored a malformed stop signal")
