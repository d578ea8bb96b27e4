"""SandboxClient error mapping and retries.

The transport below is a stand-in for Dify's own Go sandbox (which we cannot run here), answering
the ways it does that our service never does (``-500``/``-429`` codes, non-JSON errors). The same
client is tested against our live service in ``tests/integration/sandbox/test_client.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from yarrow.sandbox import CodeExecutionError, SandboxClient, SandboxRejected, SandboxUnavailable

Handler = Callable[[httpx.Request], httpx.Response]


def dify_sandbox_stand_in(
    *answers: httpx.Response | Exception,
) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handle, seen


def client(handler: Handler, **kwargs: float) -> SandboxClient:
    return SandboxClient(
        "http://sandbox.invalid:8194/",
        "key-1",
        transport=httpx.MockTransport(handler),
        backoff=0.001,
        **kwargs,  # type: ignore[arg-type]
    )


def ok(stdout: str = "", error: str = "") -> httpx.Response:
    return httpx.Response(
        200, json={"code": 0, "message": "success", "data": {"stdout": stdout, "error": error}}
    )


BUSY = httpx.Response(503, json={"code": -503, "message": "Too many requests", "data": None})


async def test_request_shape_follows_dify() -> None:
    handler, seen = dify_sandbox_stand_in(ok("1\n"))
    async with client(handler) as c:
        assert await c.execute("python3", "print(1)", preload="P") == "1\n"
    request = seen[0]
    assert request.url == "http://sandbox.invalid:8194/v1/sandbox/run"
    assert request.headers["X-Api-Key"] == "key-1"
    assert json.loads(request.content) == {
        "language": "python3",
        "code": "print(1)",
        "preload": "P",
        "enable_network": True,
    }


async def test_error_text_raises_code_execution_error() -> None:
    handler, _ = dify_sandbox_stand_in(ok("partial", "Traceback: boom"))
    async with client(handler) as c:
        result = await c.run("python3", "x")
        assert result.error == "Traceback: boom"
        with pytest.raises(CodeExecutionError, match="boom"):
            await c.execute("python3", "x")


async def test_503_is_retried_then_succeeds() -> None:
    handler, seen = dify_sandbox_stand_in(BUSY, BUSY, ok("done"))
    async with client(handler, retries=3) as c:
        assert await c.execute("python3", "x") == "done"
    assert len(seen) == 3


async def test_503_beyond_retries_is_unavailable() -> None:
    handler, seen = dify_sandbox_stand_in(BUSY)
    async with client(handler, retries=2) as c:
        with pytest.raises(SandboxUnavailable, match="busy"):
            await c.execute("python3", "x")
    assert len(seen) == 3


async def test_connect_error_is_retried() -> None:
    handler, seen = dify_sandbox_stand_in(httpx.ConnectError("refused"), ok("up"))
    async with client(handler, retries=1) as c:
        assert await c.execute("python3", "x") == "up"
    assert len(seen) == 2


async def test_read_timeout_is_not_retried() -> None:
    handler, seen = dify_sandbox_stand_in(httpx.ReadTimeout("slow"))
    async with client(handler, retries=3) as c:
        with pytest.raises(SandboxUnavailable, match="timed out"):
            await c.execute("python3", "x")
    assert len(seen) == 1  # the code may have run: never run it twice


@pytest.mark.parametrize(
    ("response", "error", "match"),
    [
        (httpx.Response(200, json={"code": -500, "message": "runner crashed"}),
         SandboxUnavailable, "runner crashed"),
        (httpx.Response(200, json={"code": -429, "message": "no uid"}),
         SandboxUnavailable, "no uid"),
        (httpx.Response(200, json={"code": -400, "message": "network is disabled"}),
         SandboxRejected, "network is disabled"),
        (httpx.Response(401, json={"code": -401, "message": "Unauthorized"}),
         SandboxRejected, "CODE_EXECUTION_API_KEY"),
        (httpx.Response(400, json={"code": -400, "message": "unsupported language"}),
         SandboxRejected, "unsupported language"),
        (httpx.Response(500, text="<html>oops</html>"), SandboxUnavailable, "non-JSON"),
        (httpx.Response(502, json={"detail": "bad gateway"}), SandboxUnavailable, "HTTP 502"),
        (httpx.Response(200, json={"code": 0, "data": None}), SandboxUnavailable, "without a run"),
        (httpx.Response(200, json={"code": 0, "data": {"stdout": 5}}), SandboxUnavailable,
         "without a run"),
    ],
)  # fmt: skip
async def test_error_mapping(response: httpx.Response, error: type[Exception], match: str) -> None:
    handler, _ = dify_sandbox_stand_in(response)
    async with client(handler, retries=0) as c:
        with pytest.raises(error, match=match):
            await c.execute("python3", "x")


async def test_dependencies_shape() -> None:
    body = {
        "code": 0,
        "message": "success",
        "data": {"dependencies": [{"name": "requests", "version": "2.28"}]},
    }
    handler, seen = dify_sandbox_stand_in(httpx.Response(200, json=body))
    async with client(handler) as c:
        deps = await c.dependencies()
    assert [(d.name, d.version) for d in deps] == [("requests", "2.28")]
    assert seen[0].url.params["language"] == "python3"
    bad, _ = dify_sandbox_stand_in(httpx.Response(200, json={"code": 0, "data": {}}))
    async with client(bad) as c:
        with pytest.raises(SandboxUnavailable):
            await c.dependencies()
