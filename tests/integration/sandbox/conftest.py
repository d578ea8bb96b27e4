"""A live ``yarrow sandbox`` (and a stand-in SSRF proxy) for the integration tests.

The sandbox needs root (it drops every run to its own uid and creates cgroups); bubblewrap,
libseccomp and the runtimes come from ``scripts/apt-packages.txt``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from yarrow.sandbox.supervisor import SandboxProcess, start_sandbox_process

API_KEY = "integration-test-key-0123456789"
#: First uid of this test session's services: a block of 200 (services at offsets 0, 20, ..., 120,
#: each with a few slots) chosen by pid, so that concurrent sessions on one machine do not share
#: run uids; all below the default YARROW_SANDBOX_UID_BASE (61000).
UID_BASE = 40000 + (os.getpid() % 100) * 200
#: Planted in the service's environment: no run may ever print it.
HOST_SECRET = "host-secret-must-not-leak-5c1a"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sandbox_environ(tmp: Path, **extra: str) -> dict[str, str]:
    """Environment of a test sandbox service: small limits so bombs end quickly."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SANDBOX_", "YARROW_", "SSRF_"))
    }
    env.update(
        {
            "YARROW_DATA_DIR": str(tmp),
            "YARROW_TEST_HOST_SECRET": HOST_SECRET,
            "SANDBOX_WORKER_TIMEOUT": "6",
            "YARROW_SANDBOX_CPU_SECONDS": "2",
            "YARROW_SANDBOX_MEMORY_MB": "128",
            "YARROW_SANDBOX_MAX_OUTPUT_BYTES": str(1 << 20),
            "YARROW_SANDBOX_SCRATCH_MB": "16",
            "YARROW_SANDBOX_MAX_FILE_SIZE_MB": "4",
            "YARROW_SANDBOX_MAX_WORKERS": "2",
            "YARROW_SANDBOX_MAX_REQUESTS": "4",
        }
    )
    env.update(extra)
    return env


@contextlib.contextmanager
def running_sandbox(tmp: Path, log: Path, **extra: str) -> Iterator[SandboxProcess]:
    if os.geteuid() != 0:
        pytest.skip("the sandbox service needs root (it drops each run to its own uid)")
    with open(log, "wb") as sink:
        handle = start_sandbox_process(
            api_key=API_KEY,
            port=free_port(),
            environ=sandbox_environ(tmp, **extra),
            stdout=sink.fileno(),
            stderr=subprocess.STDOUT,
        )
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A sandbox without network (no proxy configured)."""
    tmp = tmp_path_factory.mktemp("sandbox")
    with running_sandbox(tmp, tmp / "sandbox.log", YARROW_SANDBOX_UID_BASE=str(UID_BASE)) as handle:
        yield handle


class StandInProxy(ThreadingHTTPServer):
    """Stand-in for squid (the SSRF proxy): answers ``allowed.example`` itself, refuses the rest.

    It never connects anywhere; ``seen`` records every target it was asked for.
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.seen: list[str] = []


class _ProxyHandler(BaseHTTPRequestHandler):
    server: StandInProxy

    def log_message(self, format: str, *args: object) -> None:
        return

    def _answer(self) -> None:
        self.server.seen.append(self.path)
        allowed = self.path.startswith("http://allowed.example/")
        body = b"hello through the proxy" if allowed else b"denied by proxy"
        self.send_response(200 if allowed else 403)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_CONNECT = _answer


@pytest.fixture(scope="session")
def proxy() -> Iterator[StandInProxy]:
    server = StandInProxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="session")
def networked_sandbox(
    tmp_path_factory: pytest.TempPathFactory, proxy: StandInProxy
) -> Iterator[SandboxProcess]:
    """A sandbox whose runs get network only through the stand-in proxy."""
    tmp = tmp_path_factory.mktemp("sandbox-net")
    url = f"http://127.0.0.1:{proxy.server_address[1]}"
    with running_sandbox(
        tmp, tmp / "sandbox.log", SANDBOX_HTTP_PROXY=url, YARROW_SANDBOX_UID_BASE=str(UID_BASE + 20)
    ) as handle:
        yield handle


def run_code(
    handle: SandboxProcess,
    language: str,
    code: str,
    *,
    preload: str = "",
    enable_network: bool = False,
    timeout: float = 30.0,
) -> dict[str, str]:
    """POST one run and return its ``data`` (asserting the envelope is a success)."""
    response = httpx.post(
        f"{handle.base_url}/v1/sandbox/run",
        headers={"X-Api-Key": API_KEY},
        json={
            "language": language,
            "code": code,
            "preload": preload,
            "enable_network": enable_network,
        },
        timeout=timeout,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 0, body
    data: dict[str, str] = body["data"]
    return data


def assert_healthy(handle: SandboxProcess) -> None:
    """The service still answers and still runs code correctly."""
    assert handle.running()
    assert httpx.get(f"{handle.base_url}/health", timeout=5).json() == "ok"
    assert run_code(handle, "python3", "print(6 * 7)") == {"stdout": "42\n", "error": ""}
