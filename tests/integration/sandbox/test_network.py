"""Network on: the only way out is the configured proxy (here a stand-in for squid)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.integration.sandbox.conftest import (
    UID_BASE,
    StandInProxy,
    assert_healthy,
    free_port,
    run_code,
    running_sandbox,
)
from yarrow.sandbox.supervisor import SandboxProcess

DIRECT = textwrap.dedent("""
    import socket
    for host, port in (("127.0.0.1", {port}), ("169.254.169.254", 80), ("10.0.0.1", 80),
                       ("127.0.0.1", {proxy_port})):
        try:
            socket.create_connection((host, port), timeout=2)
            print(host, port, "CONNECTED")
        except OSError as exc:
            print(host, port, "blocked", exc.errno)
""")


def test_direct_sockets_reach_nothing_even_with_network(
    networked_sandbox: SandboxProcess, proxy: StandInProxy
) -> None:
    service_port = networked_sandbox.base_url.rsplit(":", 1)[1]
    code = DIRECT.format(port=service_port, proxy_port=proxy.server_address[1])
    data = run_code(networked_sandbox, "python3", code, enable_network=True)
    assert "CONNECTED" not in data["stdout"], data
    assert data["stdout"].count("blocked") == 4


def test_requests_go_through_the_proxy_which_decides(
    networked_sandbox: SandboxProcess, proxy: StandInProxy
) -> None:
    code = textwrap.dedent("""
        import os, requests
        print("proxy", os.environ["HTTP_PROXY"])
        for url in ("http://allowed.example/x", "http://169.254.169.254/latest/meta-data/",
                    "http://127.0.0.1:8194/health"):
            r = requests.get(url, timeout=5)
            print(url, r.status_code, r.text)
    """)
    before = len(proxy.seen)
    data = run_code(networked_sandbox, "python3", code, enable_network=True)
    out = data["stdout"]
    assert "proxy http://127.0.0.1:3128" in out
    assert "http://allowed.example/x 200 hello through the proxy" in out, data
    assert "169.254.169.254/latest/meta-data/ 403 denied by proxy" in out
    assert "http://127.0.0.1:8194/health 403 denied by proxy" in out
    assert proxy.seen[before:] == [
        "http://allowed.example/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8194/health",
    ]
    assert_healthy(networked_sandbox)


def test_node_fetch_goes_through_the_relay_only(
    networked_sandbox: SandboxProcess, proxy: StandInProxy
) -> None:
    code = (
        "const http = require('http');\n"
        "const get = (opts) => new Promise((ok) => {\n"
        "  const req = http.get(opts, (res) => { let b = ''; res.on('data', (c) => b += c);"
        " res.on('end', () => ok(res.statusCode + ' ' + b)); });\n"
        "  req.on('error', (e) => ok('error ' + e.code)); });\n"
        "(async () => {\n"
        "  console.log('direct', await get({host: '169.254.169.254', path: '/', timeout: 2000}));\n"
        "  console.log('relay', await get({host: '127.0.0.1', port: 3128,"
        " path: 'http://allowed.example/n', headers: {Host: 'allowed.example'}}));\n"
        "})();\n"
    )
    data = run_code(networked_sandbox, "nodejs", code, enable_network=True)
    assert "direct error" in data["stdout"], data
    assert "relay 200 hello through the proxy" in data["stdout"]


def test_without_enable_network_there_is_no_relay(networked_sandbox: SandboxProcess) -> None:
    code = textwrap.dedent("""
        import socket
        try:
            socket.create_connection(("127.0.0.1", 3128), timeout=2)
            print("CONNECTED")
        except OSError as exc:
            print("blocked", exc.errno)
    """)
    data = run_code(networked_sandbox, "python3", code, enable_network=False)
    assert data["stdout"].startswith("blocked 1")  # inet sockets refused by seccomp


def test_dead_proxy_fails_the_request_not_the_service(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    code = textwrap.dedent("""
        import requests
        try:
            requests.get("http://allowed.example/x", timeout=5)
            print("FETCHED")
        except requests.RequestException as exc:
            print("failed", type(exc).__name__)
    """)
    with running_sandbox(
        tmp_path,
        tmp_path / "log",
        SANDBOX_HTTP_PROXY=dead,
        YARROW_SANDBOX_UID_BASE=str(UID_BASE + 100),
    ) as handle:
        data = run_code(handle, "python3", code, enable_network=True)
        assert data["stdout"].startswith("failed"), data
        assert_healthy(handle)
    assert "unreachable" in (tmp_path / "log").read_text()


def test_network_switch_off_runs_without_network(tmp_path: Path, proxy: StandInProxy) -> None:
    url = f"http://127.0.0.1:{proxy.server_address[1]}"
    code = textwrap.dedent("""
        import os, socket
        print("proxy" if "HTTP_PROXY" in os.environ else "no proxy")
        try:
            socket.create_connection(("127.0.0.1", 3128), timeout=2)
            print("CONNECTED")
        except OSError as exc:
            print("blocked", exc.errno)
    """)
    with running_sandbox(
        tmp_path,
        tmp_path / "log",
        SANDBOX_HTTP_PROXY=url,
        SANDBOX_ENABLE_NETWORK="false",
        YARROW_SANDBOX_UID_BASE=str(UID_BASE + 120),
    ) as handle:
        # Dify always sends enable_network: true; the run must still run (Dify's sandbox fails it).
        data = run_code(handle, "python3", code, enable_network=True)
    assert data == {"stdout": "no proxy\nblocked 1\n", "error": ""}
