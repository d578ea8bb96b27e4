"""A real ``yarrow worker`` on Redis and on RabbitMQ: tasks run, retries happen, time limits hold,
a SIGKILLed worker's task is delivered again and completes once; ``--check`` probes the broker."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.integration.tasks.conftest import (
    ROOT,
    YARROW,
    Deployment,
    RedisServer,
    deployment_env,
    free_port,
    wait_for,
)
from yarrow.tasks import BrokerUnavailable


def status(deployment: Deployment, task_id: str) -> str:
    return deployment.system.queue.get(task_id).status


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


@pytest.mark.slow
def test_tasks_run_and_retry(deployment: Deployment, tmp_path: Path) -> None:
    queue = deployment.system.queue
    deployment.worker()
    out = tmp_path / "out.txt"
    ids = [queue.enqueue("sample.write", {"path": str(out), "text": f"n{i}"}) for i in range(20)]
    mail = queue.enqueue("sample.mail", {"path": str(out), "text": "mail"})
    flaky_file = tmp_path / "flaky.txt"
    flaky = queue.enqueue("sample.flaky", {"path": str(flaky_file), "fail_times": 2})
    wait_for(
        lambda: all(status(deployment, i) == "succeeded" for i in [*ids, mail, flaky]),
        60,
        lambda: "tasks to finish:\n" + deployment.logs(),
    )
    assert sorted(lines(out)) == sorted([f"n{i}" for i in range(20)] + ["mail"])
    assert lines(flaky_file) == ["attempt", "attempt", "attempt", "done"]
    info = queue.get(flaky)
    assert info.attempts == 3 and info.error is None


@pytest.mark.slow
def test_time_limit_and_exhausted_retries_fail(deployment: Deployment, tmp_path: Path) -> None:
    queue = deployment.system.queue
    deployment.worker()
    too_slow = queue.enqueue("sample.too_slow", {"path": str(tmp_path / "s"), "seconds": 4})
    hopeless = queue.enqueue("sample.flaky", {"path": str(tmp_path / "f"), "fail_times": 99})
    wait_for(
        lambda: {status(deployment, too_slow), status(deployment, hopeless)} == {"failed"},
        60,
        lambda: "failures:\n" + deployment.logs(),
    )
    assert "SoftTimeLimitExceeded" in (queue.get(too_slow).error or "")
    assert "done" not in lines(tmp_path / "s")
    assert queue.get(hopeless).attempts == 4
    assert lines(tmp_path / "f").count("attempt") == 4


@pytest.mark.slow
def test_idempotency_key_enqueues_once(deployment: Deployment, tmp_path: Path) -> None:
    queue = deployment.system.queue
    out = tmp_path / "once.txt"
    first = queue.enqueue("sample.write", {"path": str(out), "text": "x"}, idempotency_key=str(out))
    again = queue.enqueue("sample.write", {"path": str(out), "text": "x"}, idempotency_key=str(out))
    assert first == again
    deployment.worker()
    wait_for(lambda: status(deployment, first) == "succeeded", 60, "idempotent task")
    assert lines(out) == ["x"]


@pytest.mark.slow
def test_sigkilled_worker_task_is_redelivered_and_completes_once(
    deployment: Deployment, tmp_path: Path
) -> None:
    queue = deployment.system.queue
    deployment.start("beat", "--schedule-file", str(tmp_path / "beat"), log="beat")  # recovery
    first = deployment.worker()
    out = tmp_path / "slow.txt"
    task_id = queue.enqueue("sample.slow", {"path": str(out), "seconds": 3})
    wait_for(
        lambda: lines(out) == ["start"], 60, lambda: "slow task to start:\n" + deployment.logs()
    )
    deployment.kill(first, signal.SIGKILL)  # the whole process group: main process and children
    assert status(deployment, task_id) == "running"
    deployment.worker()
    wait_for(
        lambda: status(deployment, task_id) == "succeeded",
        90,
        lambda: "redelivery:\n" + deployment.logs(),
    )
    assert lines(out) == ["start", "start", "done"]
    assert queue.get(task_id).attempts == 2


def test_queue_check_reaches_the_broker(deployment: Deployment) -> None:
    deployment.system.queue.check()  # raises BrokerUnavailable otherwise


def test_worker_check_exit_status(redis_deployment: Deployment) -> None:
    ok = subprocess.run(
        [*YARROW, "worker", "--check"],
        env=redis_deployment.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert "broker ok" in ok.stdout
    dead = {**redis_deployment.env, "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0"}
    down = subprocess.run(
        [*YARROW, "worker", "--check"],
        env=dead,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert down.returncode == 1
    assert "Broker unreachable" in down.stderr


def test_worker_refuses_missing_broker_url(redis_deployment: Deployment) -> None:
    env = {k: v for k, v in redis_deployment.env.items() if k != "CELERY_BROKER_URL"}
    done = subprocess.run(
        [*YARROW, "worker", "--check"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "CELERY_BROKER_URL is not set" in done.stderr


def test_enqueue_with_the_broker_down_is_recorded_and_republished(
    redis_server: RedisServer, pg_env: dict[str, str], tmp_path: Path
) -> None:
    dead_url = f"redis://127.0.0.1:{free_port()}/0"
    env = {**deployment_env(dead_url, pg_env, tmp_path), "YARROW_TASK_PUBLISH_RETRY_SECONDS": "1"}
    down = Deployment(env, tmp_path)
    live_url = f"redis://127.0.0.1:{redis_server.port}/13"
    subprocess.run(["redis-cli", "-p", str(redis_server.port), "-n", "13", "flushdb"], check=True)
    live = Deployment(deployment_env(live_url, pg_env, tmp_path), tmp_path)
    try:
        started = time.monotonic()
        with pytest.raises(BrokerUnavailable, match="recovery job publishes it"):
            down.system.queue.enqueue("sample.write", {"path": "x", "text": "y"})
        assert time.monotonic() - started < 10
        [record] = [r for r in down.system.store.records(status="pending") if r.args["path"] == "x"]
        # the broker is back (here: the live one); the recovery job publishes the stale record
        again = live.system.store.recover(lease_seconds=3, stale_pending_seconds=0)
        assert record.id in {r.id for r in again}
        live.system.queue.republish([r for r in again if r.id == record.id])
        queued = subprocess.run(
            ["redis-cli", "-p", str(redis_server.port), "-n", "13", "llen", "dataset"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert int(queued.stdout) >= 1
    finally:
        down.close()
        live.close()
