"""A supervised llama.cpp server (``llama_cpp.server``) running as a child process.

Contracts:
- Started lazily by :meth:`LlamaServerSupervisor.ensure_running` (blocking; call it from a worker
  thread in async code), listening on loopback only, protected by a random API key.
- A watchdog thread restarts the child when it exits unexpectedly or stops answering its health
  check, at most ``max_restarts`` times per ``restart_window`` seconds; after that the supervisor
  is *failed* and :meth:`ensure_running` raises until :meth:`stop` / a new start.
- :meth:`stop` terminates the child (SIGTERM, then SIGKILL). The child also exits by itself when
  its parent process dies, so a crashed Yarrow leaves no orphan.
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from yarrow.models.errors import ModelUnavailableError

logger = logging.getLogger(__name__)

#: Runs the server module named by ``argv[1]`` and exits when the parent process goes away.
_CHILD_BOOT = """
import os, runpy, sys, threading, time
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
module = sys.argv[1]
sys.argv = [module, *sys.argv[2:]]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


@dataclass(frozen=True)
class LlamaServerConfig:
    """How to run the child. ``port`` 0 picks a free loopback port once, kept across restarts."""

    model_path: Path
    log_path: Path
    alias: str = "gemma-3-270m"
    chat_format: str = "gemma"
    port: int = 0
    ctx_size: int = 2048
    threads: int = 2
    startup_timeout: float = 60.0
    health_interval: float = 2.0
    health_timeout: float = 2.0
    health_failures: int = 3
    max_restarts: int = 5
    restart_window: float = 300.0
    stop_timeout: float = 5.0
    python: str = sys.executable
    module: str = "llama_cpp.server"


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LlamaServerSupervisor:
    """Starts, health-checks, restarts and stops one llama.cpp server child."""

    def __init__(
        self, config: LlamaServerConfig, *, prepare_model: Callable[[], Path] | None = None
    ) -> None:
        self.config = config
        self.api_key = secrets.token_urlsafe(24)
        self._prepare_model = prepare_model
        self._port = config.port or free_loopback_port()
        self._lock = threading.RLock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._healthy = threading.Event()
        self._stopping = threading.Event()
        self._watchdog: threading.Thread | None = None
        self._restarts: deque[float] = deque()
        self._failure: str | None = None
        self.restart_count = 0
        atexit.register(self.stop)

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL (``.../v1``)."""
        return f"http://127.0.0.1:{self._port}/v1"

    @property
    def pid(self) -> int | None:
        """PID of the current child, if one is running."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def ensure_running(self) -> str:
        """Start the child if needed and wait until it answers; return :attr:`base_url`.

        Raises:
            ModelUnavailableError: it did not come up within ``startup_timeout``, or it kept
                crashing and the supervisor gave up.
        """
        with self._lock:
            if self._failure is not None:
                raise ModelUnavailableError(self._failure)
            if self._proc is None:
                self._stopping.clear()
                self._spawn()
                self._watchdog = threading.Thread(
                    target=self._watch, name="llama-server-watchdog", daemon=True
                )
                self._watchdog.start()
        if not self._healthy.wait(self.config.startup_timeout):
            raise ModelUnavailableError(
                f"The local model server did not start within {self.config.startup_timeout:g} s"
                f" (log: {self.config.log_path})."
            )
        if self._failure is not None:
            raise ModelUnavailableError(self._failure)
        return self.base_url

    def stop(self) -> None:
        """Stop the child and the watchdog; a later :meth:`ensure_running` starts afresh."""
        self._stopping.set()
        watchdog = self._watchdog
        if watchdog is not None and watchdog is not threading.current_thread():
            watchdog.join(timeout=5)
        with self._lock:
            self._terminate()
            self._proc = None
            self._watchdog = None
            self._failure = None
            self._restarts.clear()
        self._healthy.clear()

    def _spawn(self) -> None:
        model = self._prepare_model() if self._prepare_model else self.config.model_path
        cfg = self.config
        args = [
            cfg.python,
            "-c",
            _CHILD_BOOT,
            cfg.module,
            "--model",
            str(model),
            "--host",
            "127.0.0.1",
            "--port",
            str(self._port),
            "--n_ctx",
            str(cfg.ctx_size),
            "--n_threads",
            str(cfg.threads),
            "--chat_format",
            cfg.chat_format,
            "--model_alias",
            cfg.alias,
            "--api_key",
            self.api_key,
            "--verbose",
            "False",
        ]
        cfg.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.endswith(("_KEY", "_SECRET"))}
        with cfg.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                close_fds=True,
            )
        self._healthy.clear()
        logger.info("started local model server pid=%s port=%s", self._proc.pid, self._port)

    def _terminate(self) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=self.config.stop_timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def _alive(self) -> bool:
        """Any HTTP answer below 500 means the server (and its model) is up; llama.cpp's
        ``llama-server`` answers ``/health`` with 200, ``llama_cpp.server`` with 404."""
        try:
            answer = httpx.get(
                f"http://127.0.0.1:{self._port}/health", timeout=self.config.health_timeout
            )
        except httpx.HTTPError:
            return False
        return answer.status_code < 500

    def _watch(self) -> None:
        failures = 0
        next_check = 0.0
        while not self._stopping.is_set():
            with self._lock:
                proc = self._proc
                exited = proc is None or proc.poll() is not None
            if exited:
                self._healthy.clear()
                if not self._restart("exited"):
                    return
                failures = 0
                continue
            now = time.monotonic()
            if not self._healthy.is_set() or now >= next_check:
                if self._alive():
                    failures = 0
                    self._healthy.set()
                    next_check = now + self.config.health_interval
                elif self._healthy.is_set():
                    failures += 1
                    next_check = now + self.config.health_interval
                    if failures >= self.config.health_failures:
                        logger.warning("local model server stopped answering; restarting")
                        with self._lock:
                            self._terminate()
            self._stopping.wait(0.1)

    def _restart(self, why: str) -> bool:
        now = time.monotonic()
        with self._lock:
            if self._stopping.is_set():
                return False
            while self._restarts and now - self._restarts[0] > self.config.restart_window:
                self._restarts.popleft()
            if len(self._restarts) >= self.config.max_restarts:
                self._failure = (
                    f"The local model server crashed {len(self._restarts) + 1} times within "
                    f"{self.config.restart_window:g} s; giving up (log: {self.config.log_path})."
                )
                logger.error(self._failure)
                self._healthy.set()  # wake waiters so they see the failure
                return False
            self._restarts.append(now)
            self.restart_count += 1
            code = self._proc.returncode if self._proc is not None else None
            logger.warning("local model server %s (code %s); restarting", why, code)
            self._spawn()
            return True


__all__ = ["LlamaServerConfig", "LlamaServerSupervisor", "free_loopback_port"]
