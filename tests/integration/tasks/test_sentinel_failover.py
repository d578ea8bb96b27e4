"""Killing the Redis master mid-load (Sentinel: one master, one replica, three sentinels).

The Sentinel-aware clients fail over: the task queue (Celery over ``sentinel://``), the cache,
pub/sub and the API's ``/ready`` keep working, and every task enqueued before, during and after
the failover completes exactly once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.integration.cache.conftest import backends_for
from tests.integration.cache.topology import SentinelTopology
from tests.integration.tasks.conftest import Deployment, deployment_env, wait_for
from yarrow.api.app import create_app
from yarrow.entrypoints.wiring import build_process
from yarrow.errors import YarrowError


@pytest.fixture
def topology(tmp_path: Path) -> Iterator[SentinelTopology]:
    made = SentinelTopology(tmp_path / "sentinel")
    yield made
    made.stop()


class Load:
    """Enqueues tasks and uses the cache and pub/sub in a loop until stopped."""

    def __init__(self, deployment: Deployment, out: Path, topology: SentinelTopology) -> None:
        self.deployment, self.out = deployment, out
        self.backends = backends_for(topology.env(db=2))
        self.stop = threading.Event()
        self.texts: list[str] = []
        self.enqueue_errors: list[str] = []
        self.cache_errors: list[str] = []
        self.cache_ops = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            text = f"t{n}"
            try:
                self.deployment.system.queue.enqueue(
                    "sample.write", {"path": str(self.out), "text": text}, idempotency_key=text
                )
            except YarrowError as exc:  # recorded; published later by the recovery job
                self.enqueue_errors.append(f"{text}: {exc.message}")
            self.texts.append(text)
            try:
                self.backends.cache.set(f"load:{n}", text.encode(), ttl=60)
                assert self.backends.cache.get(f"load:{n}") == text.encode()
                self.cache_ops += 1
            except YarrowError as exc:
                self.cache_errors.append(exc.message)
            time.sleep(0.05)


@pytest.mark.slow
def test_master_killed_mid_load(
    topology: SentinelTopology, pg_env: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **deployment_env("", pg_env, tmp_path),
        **topology.celery_env(db=1),
        **topology.env(db=2),
    }
    deployment = Deployment(env, tmp_path)
    out = tmp_path / "out.txt"
    load = Load(deployment, out, topology)
    subscriber = load.backends.pubsub.subscribe("events")
    try:
        deployment.start("beat", "--schedule-file", str(tmp_path / "beat"), log="beat")
        deployment.worker()
        load.thread.start()
        time.sleep(3)
        old_master = topology.master
        topology.kill(old_master)
        killed_at = time.monotonic()
        wait_for(lambda: topology.current_master() != old_master, 30, "sentinel failover")
        failover_seconds = time.monotonic() - killed_at
        time.sleep(4)
        load.stop.set()
        load.thread.join(30)

        # pub/sub resubscribed to the new master
        def delivered() -> bool:
            load.backends.pubsub.publish("events", b"after-failover")
            return subscriber.get(0.5) == b"after-failover"

        wait_for(delivered, 20, "pub/sub after failover")

        # locks and rate limits work on the new master
        with load.backends.locks.acquire("after", ttl=5):
            assert load.backends.rate_limiter.hit("after", limit=1, window=5).allowed

        # the API's readiness (database + broker through Sentinel)
        process = build_process(deployment.settings)
        process.services.task_queue = deployment.system.queue  # type: ignore[attr-defined]
        with TestClient(create_app(process.services)) as client:
            assert client.get("/ready").json()["checks"]["broker"] == "ok"
        process.database.dispose()

        # no task lost, none run twice
        def all_done() -> bool:
            lines = out.read_text().splitlines() if out.exists() else []
            return set(lines) >= set(load.texts)

        wait_for(all_done, 120, lambda: f"all {len(load.texts)} tasks:\n" + deployment.logs())
        lines = out.read_text().splitlines()
        assert len(lines) == len(set(lines)) == len(load.texts)
        assert failover_seconds < 20
        assert load.cache_errors == []
        assert load.cache_ops >= len(load.texts) - 1
        print(
            f"failover {failover_seconds:.1f} s, {len(load.texts)} tasks, "
            f"{len(load.enqueue_errors)} enqueue errors, {load.cache_ops} cache round trips"
        )
    finally:
        load.stop.set()
        subscriber.close()
        load.backends.close()
        deployment.close()
