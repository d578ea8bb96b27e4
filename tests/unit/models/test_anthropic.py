"""The ``anthropic`` provider, tested with a recorded-response transport.

Anthropic's API cannot be reached from this machine, so these tests replay answers recorded in
the Messages API wire format (JSON bodies and the ``event:``/``data:`` SSE stream) through
``FakeUpstream``, a mock ``httpx2`` transport, and check both the requests the official SDK
sends and how the answers are translated.
"""

from __future__ import annotations

import httpx2
import pytest

from tests.unit.models.conftest import sse
from yarrow.models import (
    ChatMessage,
    ChatOptions,
    ImagePart,
    ModelAuthError,
    ModelRateLimitError,
    ModelType,
    ModelUnavailableError,
    TextPart,
    ToolCall,
    ToolDefinition,
)

CREDS = {"anthropic_api_key": "sk-ant-test"}
MODEL = "claude-haiku-4-5"

RECORDED_MESSAGE = {
    "id": "msg_01",
    "type": "message",
    "role": "assistant",
    "model": "claude-haiku-4-5-20251001",
    "content": [
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}},
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {"input_tokens": 21, "output_tokens": 11},
}

RECORDED_STREAM = [
    {
        "type": "message_start",
        "message": {
            "id": "msg_02",
            "type": "message",
            "role": "assistant",
            "model": MODEL,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 12, "output_tokens": 1},
        },
    },
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "ping"},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Bonjour"}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": " !"}},
    {"type": "content_block_stop", "index": 0},
    {
        "type": "content_block_start",
        "index": 1,
        "content_block": {"type": "tool_use", "id": "toolu_02", "name": "lookup", "input": {}},
    },
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": '{"q": '},
    },
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": '"x"}'},
    },
    {"type": "content_block_stop", "index": 1},
    {
        "type": "message_delta",
        "delta": {"stop_reason": "tool_use", "stop_sequence": None},
        "usage": {"output_tokens": 17},
    },
    {"type": "message_stop"},
]


def api_error(status, kind, message, headers=None):
    return httpx2.Response(
        status,
        headers=headers or {},
        json={"type": "error", "error": {"type": kind, "message": message}},
    )


async def test_blocking_chat_with_tool_use(make_runtime, upstream):
    upstream.answer(httpx2.Response(200, json=RECORDED_MESSAGE))
    model = make_runtime().chat_model("anthropic", CREDS, MODEL)
    tool = ToolDefinition(
        name="get_weather",
        description="Weather by city",
        parameters={"type": "object", "properties": {"city": {"type": "string"}}},
    )
    result = await model.chat(
        [
            ChatMessage(role="system", content="You are terse."),
            ChatMessage(role="user", content="Weather in Paris?"),
        ],
        ChatOptions(tools=[tool], tool_choice="required", stop=["END"], temperature=0.2),
    )
    assert result.message.content == "Let me check."
    assert result.message.tool_calls == [
        ToolCall(id="toolu_01", name="get_weather", arguments='{"city": "Paris"}')
    ]
    assert result.finish_reason == "tool_calls"
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (21, 11)
    request = upstream.requests[0]
    assert request.url.path == "/v1/messages"
    sent = request.headers.get("x-api-key", "") + request.headers.get("authorization", "")
    assert "sk-ant-test" in sent
    body = upstream.json_body()
    assert body["system"] == "You are terse."
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]}
    ]
    assert body["tool_choice"] == {"type": "any"}
    assert body["tools"][0]["input_schema"]["properties"] == {"city": {"type": "string"}}
    assert body["stop_sequences"] == ["END"] and "temperature" not in body
    assert body["max_tokens"] == 64_000  # the model's output limit when none is asked


async def test_tool_results_and_images_are_sent_as_blocks(make_runtime, upstream):
    upstream.answer(
        httpx2.Response(
            200,
            json={
                **RECORDED_MESSAGE,
                "stop_reason": "end_turn",
                "content": [{"type": "text", "text": "ok"}],
            },
        )
    )
    history = [
        ChatMessage(
            role="user", content=[TextPart(text="see"), ImagePart(url="data:image/png;base64,iVBO")]
        ),
        ChatMessage(
            role="assistant",
            content="calling",
            tool_calls=[
                ToolCall(id="t1", name="f", arguments='{"a": 1}'),
                ToolCall(id="t2", name="f", arguments='{"a": 2}'),
            ],
        ),
        ChatMessage(role="tool", tool_call_id="t1", content="one"),
        ChatMessage(role="tool", tool_call_id="t2", content="two"),
    ]
    model = make_runtime().chat_model("anthropic", CREDS, MODEL)
    result = await model.chat(
        history, ChatOptions(tools=[ToolDefinition(name="f")], tool_choice="f", max_tokens=50)
    )
    assert result.finish_reason == "stop"
    body = upstream.json_body()
    assert body["max_tokens"] == 50 and body["tool_choice"] == {"type": "tool", "name": "f"}
    messages = body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]  # tool results merged
    assert messages[0]["content"][1] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "iVBO"},
    }
    assert messages[1]["content"][1] == {
        "type": "tool_use",
        "id": "t1",
        "name": "f",
        "input": {"a": 1},
    }
    assert messages[2]["content"] == [
        {"type": "tool_result", "tool_use_id": "t1", "content": "one"},
        {"type": "tool_result", "tool_use_id": "t2", "content": "two"},
    ]


async def test_streaming_text_and_tool_deltas_with_usage(make_runtime, upstream):
    upstream.answer(sse(RECORDED_STREAM, done=False, named=True))
    records = []
    model = make_runtime(sink=records.append).chat_model("anthropic", CREDS, MODEL)
    deltas = [d async for d in model.stream([ChatMessage(role="user", content="Salut")])]
    assert "".join(d.content for d in deltas) == "Bonjour !"
    calls = [c for d in deltas for c in d.tool_calls]
    assert calls[0].id == "toolu_02" and calls[0].name == "lookup"
    assert "".join(c.arguments for c in calls) == '{"q": "x"}'
    assert deltas[-1].finish_reason == "tool_calls"
    assert (deltas[-1].usage.prompt_tokens, deltas[-1].usage.completion_tokens) == (12, 17)
    assert upstream.json_body()["stream"] is True
    assert records[-1].ok and records[-1].usage.completion_tokens == 17


async def test_invalid_key_is_auth_failed_without_retries(make_runtime, upstream):
    upstream.answer(*[api_error(401, "authentication_error", "invalid x-api-key")] * 3)
    with pytest.raises(ModelAuthError, match="invalid x-api-key"):
        await (
            make_runtime()
            .chat_model("anthropic", CREDS, MODEL)
            .chat([ChatMessage(role="user", content="hi")])
        )
    assert len(upstream.requests) == 1


async def test_overloaded_is_retried_and_rate_limit_surfaces(make_runtime, upstream):
    upstream.answer(
        api_error(529, "overloaded_error", "Overloaded"),
        httpx2.Response(200, json=RECORDED_MESSAGE),
    )
    model = make_runtime().chat_model("anthropic", CREDS, MODEL)
    result = await model.chat([ChatMessage(role="user", content="hi")])
    assert result.finish_reason == "tool_calls" and len(upstream.requests) == 2
    upstream.answer(*[api_error(429, "rate_limit_error", "Too many", {"retry-after": "0"})] * 3)
    with pytest.raises(ModelRateLimitError):
        await model.chat([ChatMessage(role="user", content="hi")])
    assert len(upstream.requests) == 5


async def test_overloaded_mid_stream_error_event_is_unavailable(make_runtime, upstream):
    events = [
        RECORDED_STREAM[0],
        RECORDED_STREAM[1],
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
    ]
    upstream.answer(sse(events, done=False, named=True))
    model = make_runtime().chat_model("anthropic", CREDS, MODEL)
    with pytest.raises(ModelUnavailableError):
        [d async for d in model.stream([ChatMessage(role="user", content="hi")])]


async def test_validate_credentials_sends_one_token_message(make_runtime, upstream):
    runtime = make_runtime()
    upstream.answer(
        httpx2.Response(
            200,
            json={
                **RECORDED_MESSAGE,
                "stop_reason": "max_tokens",
                "content": [{"type": "text", "text": "p"}],
            },
        )
    )
    await runtime.validate_credentials("anthropic", CREDS)
    assert upstream.json_body()["max_tokens"] == 1
    with pytest.raises(Exception, match="anthropic_api_key is required"):
        await runtime.validate_credentials("anthropic", {})


async def test_models_are_listed_for_llm_only(make_runtime):
    runtime = make_runtime()
    models = await runtime.list_models("anthropic", CREDS)
    assert models and all(m.type == ModelType.LLM and m.capabilities.vision for m in models)
    assert await runtime.list_models("anthropic", CREDS, ModelType.TEXT_EMBEDDING) == []
