"""Helpers to run the real ``yarrow`` command in subprocesses against a private data directory."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from yarrow.settings import known_variable_names

YARROW = [sys.executable, "-m", "yarrow.entrypoints.cli"]


def free_port() -> int:
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


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "data")
