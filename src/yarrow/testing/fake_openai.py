"""A deterministic OpenAI-compatible server for tests and benchmarks.

``/v1/models`` lists one model; ``/v1/chat/completions`` answers ``"Echo: <last user text>"``,
blocking or streamed word by word, with usage counted in words. Special prompts make it misbehave
on purpose:

- ``"[fail:500]"`` (any status) answers that HTTP status;
- ``"[slow:0.5]"`` waits that many seconds before each streamed word;
- a bearer key other than the one given (when one is given) gets 401;
- with ``tools`` in the request, ``"[call:NAME {json}]"`` in the last user message answers with
  that tool call (``finish_reason: tool_calls``); when the last message is a tool result the
  answer is ``"Observed: <result>"``;
- without tools, ``"[react:NAME {json}]"`` answers a ReAct ``Action`` for that tool, and a last
  user message starting with ``"Observation:"`` answers ``"Final Answer: <observation>"``.

It is our own test double of an OpenAI-style upstream, not a mock of a third-party library.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

MODEL = "echo-1"
_FAIL = re.compile(r"\[fail:(\d{3})\]")
_SLOW = re.compile(r"\[slow:([0-9.]+)\]")
_CALL = re.compile(r"\[call:([A-Za-z0-9_-]+) (\{.*?\})\]")
_REACT = re.compile(r"\[react:([A-Za-z0-9_-]+) (\{.*?\})\]")


def _last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content", "")
            if isinstance(content, list):
                return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            return str(content)
    return ""


def build_app(api_key: str | None = None) -> Starlette:
    """The ASGI app; ``api_key`` (when set) is the only accepted bearer key."""

    def authorised(request: Request) -> bool:
        return api_key is None or request.headers.get("authorization") == f"Bearer {api_key}"

    async def models(request: Request) -> Response:
        if not authorised(request):
            return _error(401, "invalid_api_key", "Incorrect API key provided.")
        return JSONResponse(
            {
                "object": "list",
                "data": [
                    {"id": MODEL, "object": "model", "created": 0, "owned_by": "yarrow-tests"}
                ],
            }
        )

    async def chat(request: Request) -> Response:
        if not authorised(request):
            return _error(401, "invalid_api_key", "Incorrect API key provided.")
        body = await request.json()
        scripted = _scripted_agent(body)
        if scripted is not None:
            return scripted
        text = _last_user_text(body)
        failure = _FAIL.search(text)
        if failure:
            return _error(int(failure.group(1)), "forced", "forced failure")
        words = f"Echo: {text}".split(" ")
        for stop in body.get("stop") or []:
            joined = " ".join(words)
            if stop and stop in joined:
                words = joined[: joined.index(stop)].split(" ")
        usage = {
            "prompt_tokens": len(text.split()),
            "completion_tokens": len(words),
            "total_tokens": len(text.split()) + len(words),
        }
        created = int(time.time())
        if not body.get("stream"):
            return JSONResponse(
                {
                    "id": "chatcmpl-echo",
                    "object": "chat.completion",
                    "created": created,
                    "model": body.get("model", MODEL),
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": " ".join(words)},
                        }
                    ],
                    "usage": usage,
                }
            )
        slow = _SLOW.search(text)
        delay = float(slow.group(1)) if slow else 0.0
        return StreamingResponse(
            _stream(words, usage, body.get("model", MODEL), created, delay),
            media_type="text/event-stream",
        )

    return Starlette(
        routes=[Route("/v1/models", models), Route("/v1/chat/completions", chat, methods=["POST"])]
    )


def _scripted_agent(body: dict[str, Any]) -> Response | None:
    """Tool-call and ReAct answers for agent tests (see the module docstring)."""
    messages = body.get("messages") or []
    if messages and messages[-1].get("role") == "tool":
        observed = str(messages[-1].get("content", ""))[:200]
        return _answer(body, ["Observed:", *observed.split(" ")], observed)
    text = _last_user_text(body)
    call = _CALL.search(text) if body.get("tools") else None
    if call:
        return _tool_call(body, call.group(1), call.group(2))
    if text.startswith("Observation:"):
        return _answer(body, ["Final", "Answer:", *text[12:].split()], text)
    react = _REACT.search(text) if not body.get("tools") else None
    if react:
        action = f'{{"action": "{react.group(1)}", "action_input": {react.group(2)}}}'
        return _answer(body, f"Thought: I need {react.group(1)}\nAction: {action}".split(" "), text)
    return None


def _answer(body: dict[str, Any], words: list[str], prompt: str) -> Response:
    usage = {
        "prompt_tokens": len(prompt.split()),
        "completion_tokens": len(words),
        "total_tokens": len(prompt.split()) + len(words),
    }
    created = int(time.time())
    model = body.get("model", MODEL)
    if body.get("stream"):
        return StreamingResponse(
            _stream(words, usage, model, created, 0.0), media_type="text/event-stream"
        )
    return JSONResponse(
        {
            "id": "chatcmpl-echo",
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": " ".join(words)},
                }
            ],
            "usage": usage,
        }
    )


def _tool_call(body: dict[str, Any], name: str, arguments: str) -> Response:
    call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    created = int(time.time())
    model = body.get("model", MODEL)
    if not body.get("stream"):
        return JSONResponse(
            {
                "id": "chatcmpl-call",
                "object": "chat.completion",
                "created": created,
                "model": model,
                "usage": usage,
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "tool_calls",
                        "message": {"role": "assistant", "content": None, "tool_calls": [call]},
                    }
                ],
            }
        )

    async def chunks() -> AsyncIterator[bytes]:
        def chunk(delta: dict[str, Any], finish: str | None, **extra: Any) -> bytes:
            payload = {
                "id": "chatcmpl-call",
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **extra,
            }
            return b"data: " + json.dumps(payload).encode() + b"\n\n"

        yield chunk(
            {"role": "assistant", "content": None, "tool_calls": [{"index": 0, **call}]}, None
        )
        yield chunk({}, "tool_calls", usage=usage)
        yield b"data: [DONE]\n\n"

    return StreamingResponse(chunks(), media_type="text/event-stream")


async def _stream(
    words: list[str], usage: dict[str, int], model: str, created: int, delay: float
) -> AsyncIterator[bytes]:
    def chunk(
        delta: dict[str, Any], finish: str | None, extra: dict[str, Any] | None = None
    ) -> bytes:
        payload = {
            "id": "chatcmpl-echo",
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **(extra or {}),
        }
        return b"data: " + json.dumps(payload).encode() + b"\n\n"

    yield chunk({"role": "assistant", "content": ""}, None)
    for i, word in enumerate(words):
        if delay:
            await asyncio.sleep(delay)
        yield chunk({"content": word if i == 0 else f" {word}"}, None)
    yield chunk({}, "stop", {"usage": usage})
    yield b"data: [DONE]\n\n"


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": code, "code": code}}, status_code=status
    )


@contextmanager
def serve_in_thread(port: int, api_key: str | None = None) -> Iterator[str]:
    """Run the server on ``127.0.0.1:port`` in a thread; yields its ``/v1`` base URL."""
    config = uvicorn.Config(
        build_app(api_key), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("fake OpenAI server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main() -> None:
    """``python -m yarrow.testing.fake_openai --port N [--api-key K]`` (for benchmarks)."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", default=None)
    args = parser.parse_args()
    uvicorn.run(
        build_app(args.api_key),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        lifespan="off",
    )


if __name__ == "__main__":
    main()
