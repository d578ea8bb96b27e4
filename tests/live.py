"""Live processes for tests: the real `yarrow` command in subprocesses, on free loopback ports."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from yarrow.settings import known_variable_names

YARROW = [sys.executable, "-m", "yarrow.entrypoints.cli"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cli:
    """Runs ``yarrow`` with a clean environment and one data directory."""

    def __init__(self, data_dir: Path, extra: dict[str, str] | None = None) -> None:
        base = {k: v for k, v in os.environ.items() if k.upper() not in known_variable_names()}
        self.env = {**base, "YARROW_DATA_DIR": str(data_dir), **(extra or {})}
        self.cwd = data_dir.parent

    def run(
        self, *args: str, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*YARROW, *args],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            input=stdin,
            timeout=120,
        )
        if check:
            assert done.returncode == 0, done.stderr
        return done

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args).stdout)


class Served:
    """A ``yarrow serve`` child whose output goes to files (no pipes to fill or leak)."""

    def __init__(self, cli: Cli, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.out_path = cli.cwd / f"serve-{port}.out"
        self.err_path = cli.cwd / f"serve-{port}.err"
        with self.out_path.open("w") as out, self.err_path.open("w") as err:
            self.proc = subprocess.Popen(
                [*YARROW, "serve", "--port", str(port)],
                env=cli.env,
                cwd=cli.cwd,
                stdout=out,
                stderr=err,
                text=True,
            )

    @property
    def stdout(self) -> str:
        return self.out_path.read_text()

    def wait_ready(self, timeout: float = 30) -> None:
        _wait_ready(self.url, self.proc, self.err_path, timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def _wait_ready(url: str, proc: subprocess.Popen[str], err: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, err.read_text()
        try:
            if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("server did not become ready")
