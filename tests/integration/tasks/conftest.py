"""Real brokers and worker processes for the task-queue integration tests.

A private ``redis-server`` on a free loopback port (never the system one), a private RabbitMQ
vhost, a throwaway PostgreSQL database, and ``yarrow worker``/``yarrow beat`` subprocesses in
their own process groups (killed as a group, so no child outlives a test).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.databases import temporary_database
from yarrow.db.migrate import upgrade_to_head
from yarrow.entrypoints.wiring import open_database
from yarrow.settings import Settings, known_variable_names, load_settings
from yarrow.tasks import TaskSystem, build_task_system

ROOT = Path(__file__).resolve().parents[3]
YARROW = [sys.executable, "-m", "yarrow.entrypoints.cli"]
SAMPLE_MODULE = "tests.integration.tasks.sample_tasks"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    predicate: Callable[[], bool], timeout: float = 30.0, what: str | Callable[[], str] = ""
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    detail = what() if callable(what) else what
    raise AssertionError(f"timed out waiting for {detail or 'condition'}")


class RedisServer:
    """A throwaway redis-server on 127.0.0.1."""

    def __init__(self, workdir: Path, *extra: str) -> None:
        self.port = free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(workdir),
                *extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.ping, 10, "redis-server")

    def ping(self) -> bool:
        done = subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
        )
        return done.stdout.strip() == "PONG"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rabbit_vhost() -> Iterator[str]:
    vhost = f"yarrow_test_{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(
        ["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
        check=True,
        capture_output=True,
    )
    yield vhost
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True)


@pytest.fixture(scope="session")
def pg_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with temporary_database("postgresql", tmp_path_factory.mktemp("pg")) as env:
        yield env


class Deployment:
    """Environment, settings and subprocesses of one broker + database set-up."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        base = {k: v for k, v in os.environ.items() if k.upper() not in known_variable_names()}
        self.env = {**base, **env}
        self.workdir = workdir
        self.processes: list[subprocess.Popen[bytes]] = []
        self.settings: Settings = load_settings(embedded=False, environ=self.env)
        self.database = open_database(self.settings)
        upgrade_to_head(self.database)
        self.system: TaskSystem = build_task_system(
            self.settings.celery, self.database, in_process=False
        )

    def start(self, *args: str, log: str = "worker") -> subprocess.Popen[bytes]:
        with (self.workdir / f"{log}-{len(self.processes)}.log").open("wb") as out:
            process = subprocess.Popen(
                [*YARROW, *args],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def worker(self, *args: str) -> subprocess.Popen[bytes]:
        return self.start("worker", "-c", "2", *args)

    @staticmethod
    def kill(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        if process.poll() is None:
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                return
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)

    def close(self) -> None:
        for process in self.processes:  # the whole group, children included; nothing lingers
            self.kill(process, signal.SIGKILL)
        self.database.dispose()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.workdir.glob("*.log")))


def deployment_env(broker_url: str, db_env: dict[str, str], workdir: Path) -> dict[str, str]:
    return {
        **db_env,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "YARROW_DATA_DIR": str(workdir / "data"),
        "CELERY_BROKER_URL": broker_url,
        "YARROW_TASK_MODULES": SAMPLE_MODULE,
        "YARROW_TASK_VISIBILITY_TIMEOUT": "4",
        "YARROW_TASK_LEASE_SECONDS": "3",
        "YARROW_TASK_RECOVERY_INTERVAL": "1",
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture(params=["redis", "rabbitmq"])
def deployment(
    request: pytest.FixtureRequest,
    redis_server: RedisServer,
    rabbit_vhost: str,
    pg_env: dict[str, str],
    tmp_path: Path,
) -> Iterator[Deployment]:
    if request.param == "redis":
        db = 1 + (abs(hash(request.node.name)) % 14)
        url = f"redis://127.0.0.1:{redis_server.port}/{db}"
        subprocess.run(
            ["redis-cli", "-p", str(redis_server.port), "-n", str(db), "flushdb"],
            check=True,
            capture_output=True,
        )
    else:
        url = f"amqp://guest:guest@127.0.0.1:5672/{rabbit_vhost}"
    made = Deployment(deployment_env(url, pg_env, tmp_path), tmp_path)
    yield made
    made.close()


@pytest.fixture
def redis_deployment(
    redis_server: RedisServer, pg_env: dict[str, str], tmp_path: Path
) -> Iterator[Deployment]:
    subprocess.run(
        ["redis-cli", "-p", str(redis_server.port), "-n", "15", "flushdb"],
        check=True,
        capture_output=True,
    )
    url = f"redis://127.0.0.1:{redis_server.port}/15"
    made = Deployment(deployment_env(url, pg_env, tmp_path), tmp_path)
    yield made
    made.close()
