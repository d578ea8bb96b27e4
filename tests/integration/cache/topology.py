"""Throwaway Redis topologies on loopback ports: standalone, Sentinel (master, replica, three
sentinels) and Cluster (three masters). Every process is started here and killed by ``stop``."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

MASTER_NAME = "yarrowmaster"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free too."""
    while True:
        port = free_port()
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def cli(port: int, *args: str) -> str:
    done = subprocess.run(
        ["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=10
    )
    return done.stdout.strip()


class Processes:
    """Processes started by a topology; ``stop`` kills the ones still running."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.started: dict[int, subprocess.Popen[bytes]] = {}

    def redis(self, port: int, *extra: str, sentinel_conf: Path | None = None) -> None:
        args = ["redis-server"]
        if sentinel_conf is not None:
            args = ["redis-sentinel", str(sentinel_conf)]
        args += ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(self.workdir)]
        if sentinel_conf is None:
            args += ["--save", "", "--appendonly", "no"]
        self.started[port] = subprocess.Popen(
            [*args, *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(lambda: cli(port, "ping") == "PONG", 10, f"redis on {port}")

    def kill(self, port: int) -> None:
        process = self.started[port]
        if process.poll() is None:
            process.kill()
            process.wait(10)

    def stop(self) -> None:
        for port in list(self.started):
            self.kill(port)

    @contextmanager
    def cleanup_on_error(self) -> Iterator[None]:
        """Kill what was started when setting up the topology fails."""
        try:
            yield
        except BaseException:
            self.stop()
            raise


class Standalone(Processes):
    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir)
        self.port = free_port()
        with self.cleanup_on_error():
            self.redis(self.port)

    def env(self, db: int = 0) -> dict[str, str]:
        return {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.port), "REDIS_DB": str(db)}


class SentinelTopology(Processes):
    """One master, one replica, three sentinels (quorum two) with a one-second down-after."""

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir)
        self.master, self.replica = free_port(), free_port()
        self.sentinels = [free_port() for _ in range(3)]
        with self.cleanup_on_error():
            self._start(workdir)

    def _start(self, workdir: Path) -> None:
        self.redis(self.master)
        self.redis(self.replica, "--replicaof", "127.0.0.1", str(self.master))
        for port in self.sentinels:
            conf = workdir / f"sentinel-{port}.conf"
            conf.write_text(
                f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.master} 2\n"
                f"sentinel down-after-milliseconds {MASTER_NAME} 1000\n"
                f"sentinel failover-timeout {MASTER_NAME} 5000\n"
                f"sentinel parallel-syncs {MASTER_NAME} 1\n"
            )
            self.redis(port, sentinel_conf=conf)
        wait_until(
            lambda: "master_link_status:up" in cli(self.replica, "info", "replication"),
            20,
            "replication link",
        )
        wait_until(self._sentinels_agree, 30, "sentinels to see each other and the replica")

    def _sentinels_agree(self) -> bool:
        for port in self.sentinels:
            info = cli(port, "sentinel", "master", MASTER_NAME).split("\n")
            fields = dict(zip(info[::2], info[1::2], strict=False))
            if fields.get("num-other-sentinels") != "2" or fields.get("num-slaves") != "1":
                return False
        return True

    def current_master(self) -> int:
        reply = cli(self.sentinels[0], "sentinel", "get-master-addr-by-name", MASTER_NAME)
        return int(reply.split("\n")[1])

    def sentinel_list(self) -> str:
        return ",".join(f"127.0.0.1:{p}" for p in self.sentinels)

    def env(self, db: int = 0) -> dict[str, str]:
        return {
            "REDIS_USE_SENTINEL": "true",
            "REDIS_SENTINELS": self.sentinel_list(),
            "REDIS_SENTINEL_SERVICE_NAME": MASTER_NAME,
            "REDIS_SENTINEL_SOCKET_TIMEOUT": "0.5",
            "REDIS_DB": str(db),
        }

    def celery_env(self, db: int = 1) -> dict[str, str]:
        urls = ";".join(f"sentinel://127.0.0.1:{p}/{db}" for p in self.sentinels)
        return {
            "CELERY_BROKER_URL": urls,
            "CELERY_USE_SENTINEL": "true",
            "CELERY_SENTINEL_MASTER_NAME": MASTER_NAME,
            "CELERY_SENTINEL_SOCKET_TIMEOUT": "0.5",
        }


class ClusterTopology(Processes):
    """Three masters sharing the 16384 slots."""

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir)
        self.ports = [cluster_port() for _ in range(3)]
        with self.cleanup_on_error():
            self._start(workdir)

    def _start(self, workdir: Path) -> None:
        for port in self.ports:
            self.redis(
                port,
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                str(workdir / f"nodes-{port}.conf"),
                "--cluster-node-timeout",
                "2000",
            )
        subprocess.run(
            [
                "redis-cli",
                "--cluster",
                "create",
                *(f"127.0.0.1:{p}" for p in self.ports),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        wait_until(
            lambda: all("cluster_state:ok" in cli(p, "cluster", "info") for p in self.ports),
            30,
            "cluster state ok",
        )

    def env(self) -> dict[str, str]:
        return {
            "REDIS_USE_CLUSTERS": "true",
            "REDIS_CLUSTERS": ",".join(f"127.0.0.1:{p}" for p in self.ports),
        }
