"""``openai_api_compatible`` against the real local llama.cpp server (it speaks OpenAI's API)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest

from yarrow.models import (
    ChatMessage,
    ChatOptions,
    ModelAuthError,
    ModelRuntime,
    ModelType,
    ProviderContext,
)
from yarrow.settings.models import ModelSettings

pytestmark = pytest.mark.live


class CountingTransport(httpx2.AsyncBaseTransport):
    """A real HTTP transport that counts the requests it sends."""

    def __init__(self) -> None:
        self.inner = httpx2.AsyncHTTPTransport()
        self.sent = 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.sent += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
async def counted(tmp_path: Path) -> AsyncIterator[tuple[ModelRuntime, CountingTransport]]:
    transport = CountingTransport()
    settings = ModelSettings(
        yarrow_model_timeout=120, yarrow_model_max_retries=3, yarrow_model_retry_base_delay=0.05
    )
    runtime = ModelRuntime(
        ProviderContext(settings=settings, data_dir=tmp_path, http_transport=transport)
    )
    yield runtime, transport
    await runtime.release_clients()
    await transport.aclose()


def creds(llama, key: str | None = None) -> dict[str, str]:
    return {
        "endpoint_url": llama.base_url,
        "api_key": key or llama.api_key,
        "function_calling_type": "tool_call",
    }


async def test_models_validation_and_chat(counted, llama):
    runtime, _ = counted
    models = await runtime.list_models("openai_api_compatible", creds(llama))
    assert [(m.name, m.type) for m in models] == [("gemma-3-270m", ModelType.LLM)]
    await runtime.validate_credentials("openai_api_compatible", creds(llama))
    model = runtime.chat_model("openai_api_compatible", creds(llama), "gemma-3-270m")
    result = await model.chat(
        [ChatMessage(role="user", content="Hello")], ChatOptions(max_tokens=4, temperature=0)
    )
    assert 0 < result.usage.completion_tokens <= 4 and not result.usage.estimated
    streamed = [
        d
        async for d in model.stream(
            [ChatMessage(role="user", content="Hello")], ChatOptions(max_tokens=4, temperature=0)
        )
    ]
    assert streamed[-1].finish_reason in ("stop", "length")
    assert "".join(d.content for d in streamed) == result.message.content


async def test_wrong_key_is_auth_failed_without_retry_storm(counted, llama):
    runtime, transport = counted
    wrong = creds(llama, key="not-the-key")
    with pytest.raises(ModelAuthError):
        await runtime.validate_credentials("openai_api_compatible", wrong)
    assert transport.sent == 1
    model = runtime.chat_model("openai_api_compatible", wrong, "gemma-3-270m")
    for _ in range(3):
        with pytest.raises(ModelAuthError):
            await model.chat([ChatMessage(role="user", content="Hi")], ChatOptions(max_tokens=2))
    assert transport.sent == 4  # one request per call: no retries, and no breaker trip
    assert runtime.breaker("openai_api_compatible", wrong).state == "closed"
