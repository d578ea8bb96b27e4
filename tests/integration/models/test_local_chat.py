"""Chat through the real local llama.cpp child with the real Gemma 3 270M model.

The packaged model is the *base* Gemma (no chat template), so nothing here asserts on wording;
greedy decoding (temperature 0) makes outputs repeatable, which is what the tests rely on.
"""

from __future__ import annotations

import json

import pytest

from yarrow.models import ChatMessage, ChatOptions, ModelRuntime, ToolDefinition

pytestmark = pytest.mark.live

PROMPT = [ChatMessage(role="user", content="List three colours: red, green,")]
GREEDY = ChatOptions(max_tokens=24, temperature=0, seed=1)


@pytest.fixture(scope="module")
def greedy_text(local_runtime: ModelRuntime, llama) -> str:
    """The greedy completion of ``PROMPT`` (one generation shared by the module)."""
    import asyncio

    model = local_runtime.chat_model("local", {}, "gemma-3-270m")
    result = asyncio.run(model.chat(PROMPT, GREEDY))
    assert result.message.content, "the model produced no text"
    return result.message.content


async def test_blocking_chat_reports_usage_within_max_tokens(local_runtime, llama):
    records = []
    model = local_runtime.chat_model("local", {}, "gemma-3-270m")
    model.policy = type(model.policy)(**{**model.policy.__dict__, "record": records.append})
    result = await model.chat(
        [ChatMessage(role="user", content="The capital of France is")],
        ChatOptions(max_tokens=8, temperature=0),
    )
    assert result.finish_reason in ("stop", "length")
    assert result.usage.prompt_tokens > 3 and 0 < result.usage.completion_tokens <= 8
    assert not result.usage.estimated and result.usage.latency_s > 0
    assert result.model == "gemma-3-270m"
    assert records and records[0].ok and records[0].usage == result.usage


async def test_stream_matches_the_blocking_answer(local_runtime, greedy_text):
    model = local_runtime.chat_model("local", {}, "gemma-3-270m")
    deltas = [d async for d in model.stream(PROMPT, GREEDY)]
    content = [d for d in deltas if d.content]
    assert len(content) >= 2, "expected several streamed pieces"
    assert "".join(d.content for d in deltas) == greedy_text
    last = deltas[-1]
    assert last.finish_reason in ("stop", "length")
    assert last.usage is not None and last.usage.completion_tokens > 0
    assert last.usage.estimated  # llama_cpp.server reports no usage in streams
    assert all(d.finish_reason is None for d in deltas[:-1])


async def test_stop_word_cuts_the_answer(local_runtime, greedy_text):
    words = greedy_text.split()
    assert len(words) >= 2, f"need two words to pick a stop word from: {greedy_text!r}"
    stop = words[1]
    model = local_runtime.chat_model("local", {}, "gemma-3-270m")
    result = await model.chat(PROMPT, GREEDY.model_copy(update={"stop": [stop]}))
    assert result.finish_reason == "stop"
    assert stop not in result.message.content
    assert result.message.content == greedy_text[: greedy_text.index(stop)]


async def test_forced_tool_call(local_runtime, llama):
    weather = ToolDefinition(
        name="get_weather",
        description="Current weather for a city",
        parameters={
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    )
    model = local_runtime.chat_model("local", {}, "gemma-3-270m")
    result = await model.chat(
        [ChatMessage(role="user", content="Weather in Paris?")],
        ChatOptions(max_tokens=32, temperature=0, tools=[weather], tool_choice="get_weather"),
    )
    assert result.finish_reason == "tool_calls"
    [call] = result.message.tool_calls
    assert call.name == "get_weather" and call.id
    assert isinstance(json.loads(call.arguments), dict)
