"""The shipped squid config (deploy/squid/squid.conf) as the egress proxy of the guarded client.

Squid runs from Debian's package (scripts/apt-packages.txt) in the foreground on a free loopback
port, with only the local paths of the shipped config rewritten. With no internet here,
127.0.0.2 stands in for a public host by being put in the config's ``allowed_private`` ACL.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.net.conftest import Origin
from yarrow.net import (
    BlockedDestination,
    StaticResolver,
    build_ssrf_client,
    build_ssrf_sync_client,
)
from yarrow.settings.ssrf import SsrfSettings

SHIPPED = Path(__file__).parents[3] / "deploy" / "squid" / "squid.conf"
pytestmark = pytest.mark.live


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _test_config(folder: Path, port: int) -> str:
    text = SHIPPED.read_text()
    local = {
        "http_port": f"127.0.0.1:{port}",
        "pid_filename": str(folder / "squid.pid"),
        "access_log": f"stdio:{folder / 'access.log'}",
        "cache_log": str(folder / "cache.log"),
        "coredump_dir": str(folder),
    }
    for directive, value in local.items():
        text, count = re.subn(rf"^{directive} .*$", f"{directive} {value}", text, flags=re.M)
        assert count == 1, directive
    text, count = re.subn(
        r"^acl allowed_private dst .*$", "acl allowed_private dst 127.0.0.2/32", text, flags=re.M
    )
    assert count == 1
    return text


@pytest.fixture(scope="module")
def squid() -> Iterator[tuple[str, Path]]:
    binary = shutil.which("squid") or "/usr/sbin/squid"
    if not Path(binary).exists():
        pytest.fail("squid is not installed (scripts/apt-packages.txt lists it)")
    # Not under pytest's tmp_path: squid drops to the `proxy` user, who cannot enter root's 0700
    # pytest folder.
    folder = Path(tempfile.mkdtemp(prefix="yarrow-squid-"))
    if os.geteuid() == 0:  # squid started by root drops to its `proxy` user
        shutil.chown(folder, "proxy", "proxy")
    port = _free_port()
    config = folder / "squid.conf"
    config.write_text(_test_config(folder, port))
    process = subprocess.Popen(
        [binary, "-N", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                log = (folder / "cache.log").read_text() if (folder / "cache.log").exists() else ""
                pytest.fail(f"squid exited with {process.returncode}: {log[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", folder
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/",
        "http://localhost:{port}/",
        "http://2130706433:{port}/",
        "http://10.0.0.1:{port}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.1.1:{port}/",
    ],
)
async def test_squid_refuses_private_destinations(
    squid: tuple[str, Path], origin: Origin, target: str
) -> None:
    proxy, _ = squid
    async with httpx.AsyncClient(proxy=proxy, trust_env=False, timeout=10) as client:
        response = await client.get(target.format(port=origin.port))
    assert response.status_code == 403
    assert response.headers.get("X-Squid-Error", "").startswith("ERR_ACCESS_DENIED")
    assert origin.requests == []


async def test_squid_forwards_to_an_allowed_destination(
    squid: tuple[str, Path], other_origin: Origin
) -> None:
    proxy, _ = squid
    async with httpx.AsyncClient(proxy=proxy, trust_env=False, timeout=10) as client:
        response = await client.get(f"{other_origin.url}/through-squid")
    assert response.status_code == 200
    assert [path for path, _ in other_origin.requests] == ["/through-squid"]


async def _logged(folder: Path, text: str, wait: float = 3.0) -> bool:
    """Whether squid's access log mentions ``text`` within ``wait`` seconds."""
    log = folder / "access.log"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text():
            return True
        await asyncio.sleep(0.05)
    return False


def _proxied_client(proxy: str, allowed: str) -> httpx.AsyncClient:
    settings = SsrfSettings.model_validate(
        {"ssrf_proxy_http_url": proxy, "yarrow_ssrf_allowed_networks": allowed}
    )
    return build_ssrf_client(settings, resolver=StaticResolver({"public.test": "127.0.0.2"}))


async def test_guarded_client_goes_through_the_proxy(
    squid: tuple[str, Path], other_origin: Origin
) -> None:
    proxy, folder = squid
    async with _proxied_client(proxy, "127.0.0.2/32") as client:
        response = await client.get(f"{other_origin.url}/via-proxy")
    assert response.status_code == 200
    assert len(other_origin.requests) == 1
    assert await _logged(folder, "/via-proxy")


async def test_proxy_refuses_what_the_app_was_told_to_allow(
    squid: tuple[str, Path], origin: Origin
) -> None:
    proxy, _ = squid
    async with _proxied_client(proxy, "127.0.0.1/32") as client:
        response = await client.get(f"{origin.url}/app-allowed")
    assert response.status_code == 403
    assert origin.requests == []


async def test_guard_refuses_before_the_proxy_is_asked(
    squid: tuple[str, Path], origin: Origin
) -> None:
    proxy, folder = squid
    async with _proxied_client(proxy, "") as client:
        with pytest.raises(BlockedDestination):
            await client.get(f"{origin.url}/never-sent")
    assert not await _logged(folder, "/never-sent", wait=0.5)
    assert origin.requests == []


@pytest.mark.parametrize(
    "target", ["https://127.0.0.1/", "https://10.0.0.1/", "https://localhost/"]
)
async def test_squid_refuses_tunnels_to_private_destinations(
    squid: tuple[str, Path], target: str
) -> None:
    proxy, _ = squid
    async with httpx.AsyncClient(proxy=proxy, trust_env=False, timeout=10) as client:
        with pytest.raises(httpx.ProxyError, match="403"):
            await client.get(target)


async def test_squid_refuses_tunnels_to_other_ports(squid: tuple[str, Path]) -> None:
    proxy, _ = squid
    async with httpx.AsyncClient(proxy=proxy, trust_env=False, timeout=10) as client:
        with pytest.raises(httpx.ProxyError, match="403"):
            await client.get("https://127.0.0.2:8443/")


def test_blocking_client_goes_through_the_proxy_too(
    squid: tuple[str, Path], origin: Origin, other_origin: Origin
) -> None:
    proxy, _ = squid
    settings = SsrfSettings.model_validate(
        {"ssrf_proxy_all_url": proxy, "yarrow_ssrf_allowed_networks": "127.0.0.0/30"}
    )
    with build_ssrf_sync_client(settings) as client:
        assert client.get(f"{other_origin.url}/sync-via-proxy").status_code == 200
        assert client.get(f"{origin.url}/sync-app-allowed").status_code == 403
    assert origin.requests == []
    assert [path for path, _ in other_origin.requests] == ["/sync-via-proxy"]
