"""`yarrow serve` end to end: starts on an empty data directory, shares it with the CLI, and
shuts down cleanly on SIGTERM. `yarrow api` refuses to run without a real secret key."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import Cli, Served, free_port


@pytest.fixture
def served(cli: Cli) -> Iterator[Served]:
    server = Served(cli, free_port())
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def test_serve_with_cli_alongside_then_sigterm(cli: Cli, served: Served) -> None:
    url, proc = served.url, served.proc
    cli.json("setup", "--email", "o@example.com", "--name", "O", "--password", "passw0rd-o")
    app = cli.json("apps", "create", "--mode", "chat", "--name", "Live", "--api-key")
    info = httpx.get(f"{url}/v1/info", headers={"Authorization": f"Bearer {app['api_key']}"})
    assert info.status_code == 200 and info.json()["name"] == "Live"
    login = httpx.post(
        f"{url}/console/api/login", json={"email": "o@example.com", "password": "passw0rd-o"}
    )
    token = login.json()["data"]["access_token"]
    apps = httpx.get(f"{url}/console/api/apps", headers={"Authorization": f"Bearer {token}"})
    assert [a["name"] for a in apps.json()["data"]] == ["Live"]
    not_built = httpx.get(f"{url}/mcp/server/abc/mcp")
    assert not_built.status_code == 404 and not_built.json()["code"] == "not_found"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert f"Yarrow data directory: {cli.env['YARROW_DATA_DIR']}" in served.stdout


def test_serve_reuses_its_data_directory(cli: Cli) -> None:
    cli.json("setup", "--email", "o@example.com", "--name", "O", "--password", "passw0rd-o")
    secret_before = (Path(cli.env["YARROW_DATA_DIR"]) / "secret_key").read_text()
    server = Served(cli, free_port())
    try:
        server.wait_ready()
        assert httpx.get(f"{server.url}/console/api/setup").json()["step"] == "finished"
    finally:
        server.stop()
    assert (Path(cli.env["YARROW_DATA_DIR"]) / "secret_key").read_text() == secret_before


def test_api_process_refuses_without_secret(cli: Cli) -> None:
    cli.env.update({"DB_TYPE": "sqlite"})
    done = cli.run("api", "--port", str(free_port()), check=False)
    assert done.returncode == 1 and "SECRET_KEY is not set" in done.stderr


def _children(pid: int) -> dict[int, str]:
    """Child processes of ``pid`` with their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, ValueError, IndexError):
            continue
    return {k: v.decode(errors="replace") for k, v in found.items()}


def test_serve_supervises_the_sandbox_child(cli: Cli) -> None:
    server = Served(cli, free_port())
    try:
        server.wait_ready()
        deadline = time.monotonic() + 40
        sandbox_pid = None
        while sandbox_pid is None and time.monotonic() < deadline:
            sandbox_pid = next(
                (
                    pid
                    for pid, cmd in _children(server.proc.pid).items()
                    if "commands_sandbox" in cmd
                ),
                None,
            )
            time.sleep(0.2)
        assert sandbox_pid is not None, "serve did not start its sandbox child"
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=30) == 0
        deadline = time.monotonic() + 15
        while Path(f"/proc/{sandbox_pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not Path(f"/proc/{sandbox_pid}").exists(), "the sandbox outlived serve"
    finally:
        server.stop()
