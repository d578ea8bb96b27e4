"""SandboxClient against the live service: results, error mapping, timeouts, retries on 503."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.integration.sandbox.conftest import API_KEY, free_port
from yarrow.errors import InvalidInput, UpstreamUnavailable
from yarrow.sandbox import (
    CodeExecutionError,
    SandboxClient,
    SandboxRejected,
    SandboxUnavailable,
)
from yarrow.sandbox.supervisor import SandboxProcess


def client_for(handle: SandboxProcess, **kwargs: float) -> SandboxClient:
    return SandboxClient(handle.base_url, API_KEY, **kwargs)  # type: ignore[arg-type]


async def test_execute_returns_stdout(sandbox: SandboxProcess) -> None:
    async with client_for(sandbox) as client:
        assert await client.execute("python3", "print('hi')") == "hi\n"
        assert await client.execute("nodejs", "console.log(2 ** 10)") == "1024\n"
        result = await client.run("python3", "import sys; sys.stderr.write('bad')")
        assert (result.stdout, result.error) == ("", "bad")
        assert await client.healthy()


async def test_code_failure_is_code_execution_error(sandbox: SandboxProcess) -> None:
    async with client_for(sandbox) as client:
        with pytest.raises(CodeExecutionError, match="ZeroDivisionError") as info:
            await client.execute("python3", "1 / 0")
    assert isinstance(info.value, InvalidInput)


async def test_wrong_key_and_bad_language_are_rejected(sandbox: SandboxProcess) -> None:
    async with SandboxClient(sandbox.base_url, "not-the-key") as client:
        with pytest.raises(SandboxRejected, match="CODE_EXECUTION_API_KEY") as info:
            await client.execute("python3", "print(1)")
        assert isinstance(info.value, UpstreamUnavailable)
    async with client_for(sandbox) as client:
        with pytest.raises(SandboxRejected, match="unsupported language"):
            await client.execute("cobol", "DISPLAY 1")


async def test_dependencies(sandbox: SandboxProcess) -> None:
    async with client_for(sandbox) as client:
        names = {d.name for d in await client.dependencies("python3")}
    assert {"jinja2", "requests"} <= names


async def test_unreachable_sandbox_is_unavailable_after_retries() -> None:
    client = SandboxClient(f"http://127.0.0.1:{free_port()}", API_KEY, retries=2, backoff=0.01)
    async with client:
        with pytest.raises(SandboxUnavailable, match="Cannot reach"):
            await client.execute("python3", "print(1)")
        assert not await client.healthy()


async def test_read_timeout_is_unavailable(sandbox: SandboxProcess) -> None:
    async with client_for(sandbox, read_timeout=0.5) as client:
        with pytest.raises(SandboxUnavailable, match="timed out"):
            await client.execute("python3", "import time\ntime.sleep(3)")


async def _wait_idle(raw: httpx.AsyncClient) -> None:
    """Runs abandoned by earlier tests (client timeouts) still finish on the service."""
    for _ in range(100):
        stats = (await raw.get("/v1/sandbox/stats")).json()["data"]
        if stats["running"] == stats["waiting"] == 0:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the sandbox did not become idle")


async def test_busy_sandbox_is_retried_then_reported(sandbox: SandboxProcess) -> None:
    sleeper = {"language": "python3", "code": "import time\ntime.sleep(2)"}
    async with httpx.AsyncClient(base_url=sandbox.base_url, headers={"X-Api-Key": API_KEY}) as raw:
        await _wait_idle(raw)
        # Fill the service (2 running + 2 waiting).
        fillers = [
            asyncio.create_task(raw.post("/v1/sandbox/run", json=sleeper, timeout=30))
            for _ in range(4)
        ]
        await asyncio.sleep(0.5)
        async with client_for(sandbox, retries=0) as impatient:
            with pytest.raises(SandboxUnavailable, match="busy"):
                await impatient.execute("python3", "print(1)")
        async with client_for(sandbox, retries=8, backoff=0.5) as patient:
            assert await patient.execute("python3", "print('eventually')") == "eventually\n"
        assert all(r.status_code == 200 for r in await asyncio.gather(*fillers))
