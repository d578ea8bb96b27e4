"""Cost of the task queue's bookkeeping, in-process runner throughput, and Celery on Redis.

Baseline, measured in the same run on the same database: inserting one ``task_records`` row per
task in its own transaction (the least a durable enqueue can do). Then ``enqueue`` (validation +
idempotency lookup + insert), the in-process runner draining N no-op tasks end to end, and, with
``--celery``, N no-op tasks through a private redis-server and a real ``yarrow worker -c 2``.
Run: `.venv/bin/python benchmarks/tasks.py [--tasks 500] [--celery]`.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from yarrow.db.base import new_id
from yarrow.db.engine import Database, create_database
from yarrow.db.migrate import upgrade_to_head
from yarrow.db.models import TaskRecord
from yarrow.settings import load_settings
from yarrow.tasks import (
    InProcessRunner,
    InProcessTaskQueue,
    TaskRegistry,
    TaskStore,
    build_task_system,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # so that the worker and this process import benchmarks.tasks


def noop(**_: object) -> None:
    return None


def register(registry: TaskRegistry, _schedule: object) -> None:
    registry.register("bench.noop", noop)


def baseline_inserts(database: Database, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        with database.transaction() as session:
            session.add(
                TaskRecord(
                    id=new_id(),
                    name="bench.noop",
                    queue="dataset",
                    runner="baseline",
                    args="{}",
                    status="pending",
                    attempts=0,
                    max_retries=0,
                    time_limit=60,
                )
            )
    return time.perf_counter() - started


def in_process(database: Database, n: int) -> tuple[float, float]:
    registry = TaskRegistry()
    registry.register("bench.noop", noop)
    queue = InProcessTaskQueue(registry, TaskStore(database), 60)
    started = time.perf_counter()
    ids = [queue.enqueue("bench.noop", {"i": i}) for i in range(n)]
    enqueue_s = time.perf_counter() - started
    runner = InProcessRunner(queue, workers=2, poll_interval=0.05)
    started = time.perf_counter()
    runner.start()
    while len(queue.store.records(status="succeeded")) < n:
        time.sleep(0.05)
    drain_s = time.perf_counter() - started
    runner.stop()
    assert all(queue.get(i).status == "succeeded" for i in ids[:10])
    return enqueue_s, drain_s


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def celery_round_trip(workdir: Path, n: int) -> float:
    port = free_port()
    redis = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {
        **os.environ,
        "DB_TYPE": "sqlite",
        "YARROW_SQLITE_PATH": str(workdir / "celery.db"),
        "SECRET_KEY": secrets.token_urlsafe(32),
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "YARROW_TASK_MODULES": "benchmarks.tasks",
        "LOG_LEVEL": "WARNING",
    }
    settings = load_settings(embedded=False, environ=env)
    database = create_database(settings.database_url)
    worker: subprocess.Popen[bytes] | None = None
    try:
        upgrade_to_head(database)
        system = build_task_system(settings.celery, database, in_process=False)
        worker = subprocess.Popen(
            [sys.executable, "-m", "yarrow.entrypoints.cli", "worker", "-c", "2", "-Q", "dataset"],
            env=env,
            cwd=ROOT,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        warm = system.queue.enqueue("bench.noop")
        while system.queue.get(warm).status != "succeeded":
            time.sleep(0.05)
        started = time.perf_counter()
        for i in range(n):
            system.queue.enqueue("bench.noop", {"i": i})
        while len(system.store.records(status="succeeded")) < n + 1:
            time.sleep(0.05)
        return time.perf_counter() - started
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(30)
        redis.kill()
        redis.wait(10)
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--celery", action="store_true")
    n = parser.parse_args().tasks
    celery = parser.parse_args().celery
    with tempfile.TemporaryDirectory() as tmp:
        database = create_database(f"sqlite:///{tmp}/bench.db")
        upgrade_to_head(database)
        base = baseline_inserts(database, n)
        enqueue_s, drain_s = in_process(database, n)
        database.dispose()
        result = {
            "tasks": n,
            "baseline_insert_ms": round(base / n * 1000, 3),
            "enqueue_ms": round(enqueue_s / n * 1000, 3),
            "enqueue_vs_insert": round(enqueue_s / base, 2),
            "inprocess_tasks_per_s": round(n / drain_s, 1),
            "inprocess_ms_per_task_vs_insert": round(drain_s / base, 2),
        }
        if celery:
            celery_s = celery_round_trip(Path(tmp), n)
            result["celery_redis_tasks_per_s"] = round(n / celery_s, 1)
            result["celery_vs_insert"] = round(celery_s / base, 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
