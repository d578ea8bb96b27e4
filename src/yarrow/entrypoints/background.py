"""What ``yarrow serve`` runs beside the HTTP server: the in-process task runner and the sandbox.

The sandbox child starts in a background thread so that serving starts at once; until it is
healthy, code nodes get the sandbox client's clear "unavailable" error. A sandbox that cannot
start (for example without bubblewrap) is logged, and everything else keeps working.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field

from yarrow.entrypoints.wiring import Process
from yarrow.errors import ConfigurationError
from yarrow.sandbox.errors import SandboxUnavailable
from yarrow.sandbox.supervisor import SandboxProcess, start_sandbox_process
from yarrow.settings import Settings
from yarrow.tasks import TaskSystem, build_task_system

logger = logging.getLogger(__name__)


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_embedded_sandbox(settings: Settings, port: int) -> Settings:
    """``settings`` pointing CODE_EXECUTION_ENDPOINT at a child sandbox on ``port``."""
    sandbox = settings.sandbox.model_copy(
        update={"code_execution_endpoint": f"http://127.0.0.1:{port}"}
    )
    return settings.model_copy(update={"sandbox": sandbox})


@dataclass
class Background:
    """Background parts of one embedded process; ``stop`` is safe to call once at exit."""

    tasks: TaskSystem
    sandbox_port: int | None = None
    sandbox: SandboxProcess | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, repr=False)

    def stop(self) -> None:
        """Stop the task runner (waiting for running tasks) and the sandbox child."""
        self._stopping.set()
        if self.tasks.runner is not None:
            self.tasks.runner.stop()
        if self._thread is not None:
            self._thread.join(timeout=35)
        if self.sandbox is not None:
            self.sandbox.stop()


def task_system_for(process: Process, *, in_process: bool) -> TaskSystem:
    """The task system with every feature's tasks registered and its queue handed to services.

    ``in_process`` for ``yarrow serve``; otherwise Celery (``yarrow api``, ``worker``, ``beat``).
    """
    tasks = build_task_system(
        process.settings.celery,
        process.database,
        in_process=in_process,
        upload_sweeper=process.services.files.sweep_unused,
        registrations=(process.services.knowledge.register_tasks,),
    )
    process.services.knowledge.attach_queue(tasks.queue)
    process.services.task_queue = tasks.queue
    return tasks


def start_background(
    process: Process, environ: dict[str, str], *, sandbox: bool = True
) -> Background:
    """Start the in-process task runner and, if asked, the sandbox child (in the background)."""
    settings = process.settings
    tasks = task_system_for(process, in_process=True)
    assert tasks.runner is not None
    tasks.runner.start()
    background = Background(tasks)
    if sandbox:
        endpoint = settings.sandbox.code_execution_endpoint
        background.sandbox_port = int(endpoint.rsplit(":", 1)[-1].rstrip("/"))
        key = settings.sandbox.code_execution_api_key.get_secret_value()
        child_env = {**os.environ, **environ}
        background._thread = threading.Thread(
            target=_start_sandbox,
            args=(background, key, child_env),
            name="sandbox-start",
            daemon=True,
        )
        background._thread.start()
    return background


def _start_sandbox(background: Background, key: str, environ: dict[str, str]) -> None:
    assert background.sandbox_port is not None
    try:
        handle = start_sandbox_process(
            api_key=key, port=background.sandbox_port, environ=environ, ready_timeout=30
        )
    except (SandboxUnavailable, ConfigurationError, OSError) as exc:
        logger.warning("the code sandbox did not start (code nodes will fail): %s", exc)
        return
    if background._stopping.is_set():
        handle.stop()
        return
    background.sandbox = handle
    logger.info("code sandbox listening on 127.0.0.1:%d", background.sandbox_port)
