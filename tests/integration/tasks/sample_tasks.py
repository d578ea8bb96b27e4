"""Tasks the integration tests run in real ``yarrow worker`` processes (YARROW_TASK_MODULES).

Each task appends to a file it is given, so a test can count starts and completions across
processes. ``YARROW_TEST_TICK_FILE`` adds a one-second periodic job writing to that file.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from yarrow.tasks import Schedule, TaskRegistry


def _append(path: str, line: str) -> None:
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _lines(path: str) -> list[str]:
    file = Path(path)
    return file.read_text(encoding="utf-8").splitlines() if file.exists() else []


def write(path: str, text: str) -> None:
    _append(path, text)


def flaky(path: str, fail_times: int) -> None:
    _append(path, "attempt")
    if _lines(path).count("attempt") <= fail_times:
        raise RuntimeError("flaky upstream")
    _append(path, "done")


def slow(path: str, seconds: float) -> None:
    _append(path, "start")
    time.sleep(seconds)
    _append(path, "done")


def register(registry: TaskRegistry, schedule: Schedule) -> None:
    registry.register("sample.write", write, queue="dataset")
    registry.register("sample.flaky", flaky, queue="workflow", max_retries=3, backoff=0.2)
    registry.register("sample.slow", slow, queue="generation", max_retries=2, time_limit=30)
    registry.register("sample.too_slow", slow, queue="generation", max_retries=0, time_limit=1)
    registry.register("sample.mail", write, queue="mail")
    tick_file = os.environ.get("YARROW_TEST_TICK_FILE")
    if tick_file:
        registry.register("sample.tick", lambda: _append(tick_file, "tick"), queue="retention")
        schedule.add("sample.tick", "sample.tick", timedelta(seconds=1))
