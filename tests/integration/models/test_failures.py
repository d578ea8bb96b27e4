"""Failure modes against real processes: a killed llama.cpp child, and a too-slow upstream."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from yarrow.models import (
    ChatMessage,
    ChatOptions,
    ModelRuntime,
    ModelTimeoutError,
    ModelUnavailableError,
    ProviderContext,
)
from yarrow.models.resilience import RetryPolicy
from yarrow.models.resilient import CallPolicy, ResilientChatModel
from yarrow.settings.models import ModelSettings

LONG = ChatOptions(max_tokens=400, temperature=0.8)
PROMPT = [ChatMessage(role="user", content="Write a long story about a lighthouse keeper.")]


async def wait_for_new_child(llama, old_pid: int, within: float = 120.0) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        pid = llama.pid
        if pid is not None and pid != old_pid:
            await asyncio.to_thread(llama.ensure_running)
            return pid
        await asyncio.sleep(0.1)
    raise AssertionError("the supervisor did not restart the llama.cpp child")


@pytest.mark.live
@pytest.mark.slow
async def test_killing_the_child_mid_stream_is_upstream_unavailable_and_it_comes_back(
    local_runtime, llama
):
    model = local_runtime.chat_model("local", {}, "gemma-3-270m")
    old_pid = llama.pid
    restarts = llama.restart_count
    received = []
    with pytest.raises(ModelUnavailableError) as info:
        async for delta in model.stream(PROMPT, LONG):
            received.append(delta)
            if len(received) == 2:
                os.kill(old_pid, signal.SIGKILL)
    assert len(received) >= 2 and received[-1].finish_reason is None
    assert info.value.status == 503 and info.value.error_code == "upstream_unavailable"
    new_pid = await wait_for_new_child(llama, old_pid)
    assert llama.restart_count == restarts + 1 and new_pid != old_pid
    again = await model.chat([ChatMessage(role="user", content="Hi")], ChatOptions(max_tokens=2))
    assert again.usage.completion_tokens > 0


@pytest.mark.live
@pytest.mark.slow
async def test_killing_the_child_mid_blocking_call_without_retries(local_runtime, llama):
    await asyncio.to_thread(llama.ensure_running)
    inner = local_runtime.provider("local").chat_model({}, "gemma-3-270m")
    no_retry = ResilientChatModel(
        inner,
        CallPolicy(
            retry=RetryPolicy(max_retries=0),
            breaker=local_runtime.breaker("kill-test", {}),
            record=lambda record: None,
            sleep=asyncio.sleep,
        ),
    )
    old_pid = llama.pid
    call = asyncio.ensure_future(no_retry.chat(PROMPT, LONG))
    await asyncio.sleep(1.0)
    assert not call.done(), "the generation finished before the kill; make it longer"
    os.kill(old_pid, signal.SIGKILL)
    with pytest.raises(ModelUnavailableError):
        await call
    await wait_for_new_child(llama, old_pid)


def slow_runtime(tmp_path: Path, **settings) -> ModelRuntime:
    values = {
        "yarrow_model_timeout": 0.5,
        "yarrow_model_max_retries": 1,
        "yarrow_model_retry_base_delay": 0.01,
        **settings,
    }
    return ModelRuntime(ProviderContext(settings=ModelSettings(**values), data_dir=tmp_path))


async def test_slow_upstream_hits_the_timeout_with_bounded_retries(tmp_path, slow_server):
    url, hits = slow_server
    runtime = slow_runtime(tmp_path)
    model = runtime.chat_model("openai_api_compatible", {"endpoint_url": url}, "m")
    started = time.monotonic()
    with pytest.raises(ModelTimeoutError, match="0.5 s"):
        await model.chat([ChatMessage(role="user", content="hi")])
    elapsed = time.monotonic() - started
    await runtime.release_clients()
    assert hits == ["/v1/chat/completions"] * 2  # one try, one retry
    assert elapsed < 2.5  # two 0.5 s timeouts and a short jittered wait, not the 3 s answer


async def test_stalled_stream_hits_the_timeout_between_deltas(tmp_path, slow_server):
    url, hits = slow_server
    runtime = slow_runtime(tmp_path, yarrow_model_max_retries=0)
    model = runtime.chat_model("openai_api_compatible", {"endpoint_url": url}, "m")
    received = []
    with pytest.raises(ModelTimeoutError):
        async for delta in model.stream([ChatMessage(role="user", content="hi")]):
            received.append(delta.content)
    await runtime.release_clients()
    assert received == ["hi"] and len(hits) == 1


async def test_unreachable_endpoint_is_upstream_unavailable(tmp_path):
    import socket

    with socket.socket() as sock:  # a loopback port with nobody listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    runtime = slow_runtime(tmp_path, yarrow_model_timeout=5)
    model = runtime.chat_model(
        "openai_api_compatible", {"endpoint_url": f"http://127.0.0.1:{port}/v1"}, "m"
    )
    with pytest.raises(ModelUnavailableError, match="Could not reach"):
        await model.chat([ChatMessage(role="user", content="hi")])
    await runtime.release_clients()
