"""Starts ``yarrow sandbox`` as a child process (what ``yarrow serve`` does) and stops it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import httpx

from yarrow.errors import ConfigurationError
from yarrow.sandbox.errors import SandboxUnavailable

#: Set by :func:`start_sandbox_process` in the child's environment: the child stops (gracefully,
#: removing its cgroups) when this process is gone, so a killed ``yarrow serve`` leaves nothing.
PARENT_PID_VARIABLE = "YARROW_SANDBOX_PARENT_PID"

#: Runs ``yarrow sandbox`` with the current interpreter, importing only that command (the full
#: CLI imports every area of the platform: seconds of start-up the sandbox does not need).
_CLI = "from yarrow.entrypoints.commands_sandbox import sandbox; sandbox()"


@dataclass
class SandboxProcess:
    """A running sandbox child process."""

    process: subprocess.Popen[bytes]
    base_url: str

    @property
    def pid(self) -> int:
        """Process id of the service."""
        return self.process.pid

    def running(self) -> bool:
        """Whether the process has not exited."""
        return self.process.poll() is None

    def wait_healthy(self, timeout: float = 30.0) -> None:
        """Block until ``GET /health`` answers 200.

        Raises:
            SandboxUnavailable: the process exited or did not become healthy in time.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise SandboxUnavailable(
                    f"The sandbox process exited with status {self.process.returncode}."
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/health", timeout=1.0).status_code == 200:
                    return
            time.sleep(0.1)
        raise SandboxUnavailable(f"The sandbox did not become healthy within {timeout:g}s.")

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM (running jails are killed, cgroups removed), then SIGKILL after ``timeout``.

        Returns the exit status (``-15`` after a graceful stop: uvicorn re-raises SIGTERM).
        """
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_sandbox_process(
    *,
    api_key: str,
    host: str = "127.0.0.1",
    port: int = 8194,
    environ: Mapping[str, str] | None = None,
    ready_timeout: float = 30.0,
    command: Sequence[str] | None = None,
    stdout: int | None = None,
    stderr: int | None = None,
) -> SandboxProcess:
    """Start ``yarrow sandbox`` and wait until it is healthy.

    Args:
        api_key: the key clients must send; passed as ``CODE_EXECUTION_API_KEY`` in the child's
            environment (never on its command line).
        host, port: where it listens.
        environ: the child's environment (defaults to this process's); sandbox settings
            (``SANDBOX_*``, ``YARROW_SANDBOX_*``, ``SSRF_PROXY_HTTP_URL``) are read from it.
        ready_timeout: seconds to wait for ``/health``.
        command: the program to start instead of ``yarrow sandbox`` run by this interpreter
            (``--host`` and ``--port`` are appended).
        stdout, stderr: passed to :class:`subprocess.Popen` (default: inherited).

    Raises:
        ConfigurationError: ``api_key`` is empty.
        SandboxUnavailable: the process exited or did not become healthy; it is stopped.
    """
    if not api_key:
        raise ConfigurationError("The sandbox needs a non-empty CODE_EXECUTION_API_KEY.")
    env = dict(os.environ if environ is None else environ)
    env["CODE_EXECUTION_API_KEY"] = api_key
    env[PARENT_PID_VARIABLE] = str(os.getpid())
    argv = list(command) if command else [sys.executable, "-c", _CLI]
    argv += ["--host", host, "--port", str(port)]
    process = subprocess.Popen(argv, env=env, stdout=stdout, stderr=stderr)
    handle = SandboxProcess(process=process, base_url=f"http://{host}:{port}")
    try:
        handle.wait_healthy(ready_timeout)
    except SandboxUnavailable:
        handle.stop()
        raise
    return handle


def watch_parent(parent_pid: int, *, interval: float = 1.0) -> threading.Thread:
    """In the sandbox process: SIGTERM ourselves once ``parent_pid`` is no longer our parent."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=watch, name="sandbox-parent-watch", daemon=True)
    thread.start()
    return thread
