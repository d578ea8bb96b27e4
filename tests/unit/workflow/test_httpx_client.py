"""The httpx adapter of HttpClient, over httpx's in-memory MockTransport."""

from __future__ import annotations

import httpx
import pytest

from yarrow.errors import UpstreamUnavailable
from yarrow.workflow.httpx_client import HttpxHttpClient
from yarrow.workflow.ports import HttpRequest, HttpTimeout, MultipartField


def recording_client(seen: list[httpx.Request], status: int = 201) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return httpx.Response(status, headers={"x-r": "1"}, content=b"done")

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def test_json_request_with_headers_params_and_timeouts() -> None:
    seen: list[httpx.Request] = []
    async with recording_client(seen) as client:
        response = await HttpxHttpClient(client).send(
            HttpRequest(
                "post",
                "https://api.example/x",
                headers=[("X-A", "1"), ("Content-Type", "application/json")],
                params=[("q", "a b")],
                content=b'{"k": 1}',
                timeout=HttpTimeout(1, 2, 3),
            )
        )
    assert (response.status_code, response.content, response.headers["x-r"]) == (201, b"done", "1")
    request = seen[0]
    assert request.method == "POST" and request.url.params["q"] == "a b"
    assert request.headers["x-a"] == "1" and request.content == b'{"k": 1}'
    assert request.extensions["timeout"] == {"connect": 1, "read": 2, "write": 3, "pool": 2}


async def test_form_and_multipart_bodies() -> None:
    seen: list[httpx.Request] = []
    async with recording_client(seen) as client:
        adapter = HttpxHttpClient(client)
        await adapter.send(HttpRequest("post", "https://a.example", form=[("k", "v")]))
        await adapter.send(
            HttpRequest(
                "post",
                "https://a.example",
                headers=[("Content-Type", "multipart/form-data")],
                multipart=[
                    MultipartField("f", filename="a.txt", content=b"hello", mime_type="text/plain"),
                    MultipartField("t", "x"),
                ],
            )
        )
    assert seen[0].content == b"k=v"
    body = seen[1].content
    assert b'name="f"; filename="a.txt"' in body and b"hello" in body and b'name="t"' in body
    assert "boundary=" in seen[1].headers["content-type"]


async def test_insecure_client_is_used_only_when_verification_is_off() -> None:
    secure: list[httpx.Request] = []
    insecure: list[httpx.Request] = []
    async with recording_client(secure) as a, recording_client(insecure) as b:
        adapter = HttpxHttpClient(a, insecure=b)
        await adapter.send(HttpRequest("get", "https://a.example"))
        await adapter.send(HttpRequest("get", "https://a.example", ssl_verify=False))
    assert len(secure) == 1 and len(insecure) == 1


@pytest.mark.parametrize("error", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
async def test_transport_errors_become_upstream_unavailable(error: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(UpstreamUnavailable) as info:
            await HttpxHttpClient(client).send(HttpRequest("get", "https://a.example"))
    assert info.value.__cause__ is error
