"""The in-process runner (as ``yarrow serve`` runs it) resumes pending work after a restart,
whether the server stopped gracefully or crashed mid-task."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.tasks.conftest import ROOT, SAMPLE_MODULE, wait_for
from yarrow.db.migrate import upgrade_to_head
from yarrow.entrypoints.wiring import open_database
from yarrow.settings import known_variable_names, load_settings
from yarrow.tasks import TaskSystem, build_task_system


class Host:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.integration.tasks.inprocess_host"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=out,
                start_new_session=True,
            )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == b"ready", log.read_text()

    def signal(self, sig: int) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        self.process.wait(30)
        assert self.process.stdout is not None
        self.process.stdout.close()


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[dict[str, str], TaskSystem]]:
    base = {k: v for k, v in os.environ.items() if k.upper() not in known_variable_names()}
    env = {
        **base,
        "DB_TYPE": "sqlite",
        "YARROW_SQLITE_PATH": str(tmp_path / "serve.db"),
        "SECRET_KEY": secrets.token_urlsafe(32),
        "YARROW_DATA_DIR": str(tmp_path / "data"),
        "YARROW_TASK_MODULES": SAMPLE_MODULE,
        "YARROW_INPROCESS_TASK_WORKERS": "1",
        "YARROW_TASK_LEASE_SECONDS": "3",
    }
    settings = load_settings(embedded=False, environ=env)
    database = open_database(settings)
    upgrade_to_head(database)
    yield env, build_task_system(settings.celery, database, in_process=True)
    database.dispose()


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGKILL])
def test_restart_finishes_pending_work(
    setup: tuple[dict[str, str], TaskSystem], tmp_path: Path, stop_signal: int
) -> None:
    env, system = setup
    out = tmp_path / "out.txt"
    first = Host(env, tmp_path / "host.log")
    ids = [system.queue.enqueue("sample.slow", {"path": str(out), "seconds": 1}) for _ in range(4)]
    wait_for(lambda: lines(out) == ["start"], 30, "first task to start")
    first.signal(stop_signal)
    statuses = sorted(system.queue.get(i).status for i in ids)
    # a graceful stop lets the running attempt finish; a crash leaves it running (lease expires)
    interrupted = "succeeded" if stop_signal == signal.SIGTERM else "running"
    assert statuses == sorted(["pending"] * 3 + [interrupted])
    second = Host(env, tmp_path / "host.log")
    try:
        wait_for(
            lambda: all(system.queue.get(i).status == "succeeded" for i in ids),
            60,
            lambda: (tmp_path / "host.log").read_text(),
        )
    finally:
        second.signal(signal.SIGTERM)
    assert lines(out).count("done") == 4
    restarted = 0 if stop_signal == signal.SIGTERM else 1  # the crashed attempt runs again
    assert lines(out).count("start") == 4 + restarted
