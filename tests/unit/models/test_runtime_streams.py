"""Runtime wrappers around a scripted in-memory provider: stream retries, timeouts, usage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from yarrow.models import (
    ChatDelta,
    ChatMessage,
    ChatModel,
    ChatOptions,
    ChatResult,
    ModelInfo,
    ModelProvider,
    ModelRuntime,
    ModelType,
    ModelUnavailableError,
    ProviderContext,
    ProviderRegistry,
    Usage,
)
from yarrow.settings.models import ModelSettings


class ScriptedChat(ChatModel):
    """Each stream attempt plays the next script: strings are deltas, an exception is raised."""

    def __init__(self, scripts):
        self.info = ModelInfo(provider="scripted", name="s", type=ModelType.LLM)
        self.timeout = 1.0
        self.scripts = list(scripts)
        self.attempts = 0

    async def chat(self, messages, options) -> ChatResult:
        raise NotImplementedError

    async def stream(self, messages, options) -> AsyncIterator[ChatDelta]:
        self.attempts += 1
        for step in self.scripts.pop(0):
            if isinstance(step, Exception):
                raise step
            yield ChatDelta(content=step)
        yield ChatDelta(finish_reason="stop", usage=Usage(prompt_tokens=1, completion_tokens=2))


class ScriptedProvider(ModelProvider):
    name = "scripted"
    label = "Scripted"
    model_types = (ModelType.LLM,)
    model: ScriptedChat

    async def list_models(self, credentials, model_type=None):
        return []

    async def validate_credentials(self, credentials):
        return None

    def chat_model(self, credentials, model):
        return self.model


async def _no_sleep(_: float) -> None:
    return None


def runtime_with(tmp_path: Path, scripts, records) -> tuple[ModelRuntime, ScriptedChat]:
    chat = ScriptedChat(scripts)
    ScriptedProvider.model = chat
    context = ProviderContext(settings=ModelSettings(yarrow_model_max_retries=2), data_dir=tmp_path)
    runtime = ModelRuntime(
        context,
        registry=ProviderRegistry({"scripted": ScriptedProvider}),
        usage_sink=records.append,
        sleep=_no_sleep,
    )
    return runtime, chat


USER = [ChatMessage(role="user", content="x")]


async def test_stream_failing_before_first_delta_is_retried(tmp_path):
    records = []
    runtime, chat = runtime_with(tmp_path, [[ModelUnavailableError()], ["a", "b"]], records)
    model = runtime.chat_model("scripted", {}, "s")
    deltas = [d async for d in model.stream(USER)]
    assert "".join(d.content for d in deltas) == "ab" and chat.attempts == 2
    assert [(r.ok, r.attempts, r.usage.completion_tokens) for r in records] == [(True, 2, 2)]


async def test_stream_failing_after_a_delta_is_not_retried(tmp_path):
    records = []
    runtime, chat = runtime_with(tmp_path, [["a", ModelUnavailableError("gone")], ["b"]], records)
    model = runtime.chat_model("scripted", {}, "s")
    seen = []
    with pytest.raises(ModelUnavailableError, match="gone"):
        async for delta in model.stream(USER, ChatOptions()):
            seen.append(delta.content)
    assert seen == ["a"] and chat.attempts == 1
    assert records[-1].ok is False and records[-1].error_code == "upstream_unavailable"


async def test_consumer_closing_early_releases_nothing_wrongly(tmp_path):
    runtime, _ = runtime_with(tmp_path, [["a", "b", "c"]], [])
    model = runtime.chat_model("scripted", {}, "s")
    stream = model.stream(USER)
    async for _ in stream:
        break
    await stream.aclose()
    assert runtime.breaker("scripted", {}).state == "closed"


def test_timeout_override_reaches_the_provider_model(tmp_path):
    runtime, chat = runtime_with(tmp_path, [], [])
    model = runtime.chat_model("scripted", {}, "s", timeout=0.25)
    assert model.timeout == 0.25 and chat.timeout == 0.25
