"""The in-process runner of ``yarrow serve``: a bounded thread pool fed from the database.

Pending work lives in ``task_records``, so a restart resumes it: at start the runner recovers
attempts whose owner stopped heart-beating, and a graceful :meth:`InProcessRunner.stop` hands
unfinished attempts back. A Python thread cannot be killed: an attempt past its time limit is
recorded as failed (and retried) while its thread keeps its pool slot until the handler returns;
pool threads are daemons, so such a thread never holds up the process's exit.
"""

from __future__ import annotations

import functools
import logging
import os
import queue
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, wait
from dataclasses import dataclass
from typing import Any

from yarrow.db.base import utcnow
from yarrow.tasks.errors import TaskTimeLimitExceeded
from yarrow.tasks.execution import Outcome, record_failure, run_attempt
from yarrow.tasks.interface import TaskQueue
from yarrow.tasks.registry import Schedule, TaskRegistry
from yarrow.tasks.store import Claim, TaskStore, later

logger = logging.getLogger(__name__)


class InProcessTaskQueue(TaskQueue):
    """Records tasks for the in-process runner and wakes it."""

    def __init__(self, registry: TaskRegistry, store: TaskStore, default_time_limit: int) -> None:
        super().__init__(registry, store, default_time_limit)
        self._wake = threading.Event()

    def enqueue(
        self,
        name: str,
        args: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        delay: float = 0.0,
    ) -> str:
        spec = self.registry.get(name)
        info, _ = self.store.create(
            spec,
            self._checked_args(args),
            runner="inprocess",
            time_limit=self._time_limit(name),
            idempotency_key=idempotency_key,
            run_after=later(delay) if delay > 0 else None,
        )
        self._wake.set()
        return info.id


class _DaemonPool:
    """A fixed set of daemon threads: a stuck handler never blocks the process from exiting."""

    def __init__(self, workers: int) -> None:
        self._jobs: queue.SimpleQueue[tuple[Future[Outcome], Callable[[], Outcome]] | None] = (
            queue.SimpleQueue()
        )
        self._threads = [
            threading.Thread(target=self._work, name=f"yarrow-task-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, job: Callable[[], Outcome]) -> Future[Outcome]:
        future: Future[Outcome] = Future()
        self._jobs.put((future, job))
        return future

    def _work(self) -> None:
        while (item := self._jobs.get()) is not None:
            future, job = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(job())
                except BaseException as exc:  # noqa: BLE001 - handed to the future's owner
                    future.set_exception(exc)

    def shutdown(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)


@dataclass
class _Running:
    claim: Claim
    future: Future[Outcome]
    timed_out: bool = False


class InProcessRunner:
    """Runs ``queue``'s tasks on ``workers`` threads and fires ``schedule``'s periodic jobs.

    ``start()`` returns at once; ``stop(timeout)`` stops claiming, waits up to ``timeout`` seconds
    for running attempts and releases the rest back to pending.
    """

    def __init__(
        self,
        queue: InProcessTaskQueue,
        *,
        workers: int = 2,
        schedule: Schedule | None = None,
        poll_interval: float = 1.0,
        lease_seconds: int = 30,
    ) -> None:
        self.queue = queue
        self.store = queue.store
        self.registry = queue.registry
        self.schedule = schedule or Schedule()
        self.workers = workers
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._pool = _DaemonPool(workers)
        self._running: dict[str, _Running] = {}
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._last_heartbeat = 0.0

    def start(self) -> None:
        """Recover abandoned attempts, then start the dispatcher and scheduler threads."""
        self.schedule.check(self.registry)
        self.store.recover(lease_seconds=self.lease_seconds)
        for target, name in ((self._dispatch_loop, "dispatch"), (self._schedule_loop, "beat")):
            thread = threading.Thread(target=target, name=f"yarrow-task-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming; wait for running attempts; release the unfinished ones."""
        self._stopping.set()
        self.queue._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        wait([r.future for r in self._running.values() if not r.timed_out], timeout=timeout)
        for running in list(self._running.values()):
            if not running.future.done():
                self.store.release(running.claim.id, running.claim.token)
        self._pool.shutdown()

    def run_once(self) -> int:
        """One dispatch round (claim, time limits, heartbeat); the number of attempts started."""
        self._reap()
        free = self.workers - len(self._running)
        claims = self.store.claim(self.worker_id, free)
        for claim in claims:
            spec = self.registry.get(claim.name)
            future = self._pool.submit(functools.partial(run_attempt, spec, claim, self.store))
            future.add_done_callback(lambda _: self.queue._wake.set())  # a slot is free
            self._running[claim.id] = _Running(claim, future)
        self._heartbeat()
        return len(claims)

    def _reap(self) -> None:
        now = utcnow()
        for task_id, running in list(self._running.items()):
            if running.future.done():
                del self._running[task_id]
                exc = running.future.exception()
                if exc is not None:  # pragma: no cover - run_attempt handles handler errors
                    logger.error("task %s crashed the runner: %r", task_id, exc)
            elif not running.timed_out and now > running.claim.deadline_at:
                running.timed_out = True
                spec = self.registry.get(running.claim.name)
                limit = TaskTimeLimitExceeded(f"time limit of {running.claim.time_limit} s")
                record_failure(spec, running.claim, self.store, limit)

    def _heartbeat(self) -> None:
        now = utcnow().timestamp()
        if now - self._last_heartbeat >= max(1.0, self.lease_seconds / 3):
            tokens = [r.claim.token for r in self._running.values() if not r.timed_out]
            self.store.heartbeat(tokens)
            self._last_heartbeat = now

    def _dispatch_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                started = self.run_once()
            except Exception:  # noqa: BLE001 - keep the runner alive through database hiccups
                logger.exception("task dispatch failed; retrying")
                started = 0
            if started == 0:
                self.queue._wake.wait(self.poll_interval)
                self.queue._wake.clear()

    def _schedule_loop(self) -> None:
        while not self._stopping.wait(self.poll_interval):
            self.fire_due_jobs()

    def fire_due_jobs(self) -> list[str]:
        """Enqueue every periodic job that is due; return their names."""
        fired: list[str] = []
        for job in self.schedule:
            try:
                if self.store.claim_schedule(job.name, job.every):
                    self.queue.enqueue(job.task, job.args)
                    fired.append(job.name)
            except Exception:  # noqa: BLE001 - one broken job must not stop the others
                logger.exception("periodic job %s failed to fire", job.name)
        return fired
