"""``openai_api_compatible`` against a mock of third-party OpenAI-style servers (``FakeUpstream``).

The real protocol is also exercised against the local llama.cpp server in
``tests/integration/models``; these tests cover what that server cannot show: vendor error
answers, Azure, rerank, images, and exact request shapes.
"""

from __future__ import annotations

import httpx2
import pytest

from tests.unit.models.conftest import sse
from yarrow.models import (
    ChatMessage,
    ChatOptions,
    CircuitOpenError,
    ContextTooLongError,
    ImagePart,
    ModelAuthError,
    ModelBadRequestError,
    ModelNotSupportedError,
    ModelRateLimitError,
    ModelType,
    ModelUnavailableError,
    TextPart,
    ToolCall,
    ToolDefinition,
)

CREDS = {
    "endpoint_url": "https://llm.example.test/v1",
    "api_key": "sk-test",
    "function_calling_type": "tool_call",
}
USER = [ChatMessage(role="user", content="Hi")]


def completion(content="Hello!", *, finish="stop", usage=True, tool_calls=None):
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m1",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish,
                "message": {"role": "assistant", "content": content, "tool_calls": tool_calls},
            }
        ],
    }
    if usage:
        body["usage"] = {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}
    return httpx2.Response(200, json=body)


def chunk(content=None, finish=None, tool_calls=None):
    delta = {"content": content} if content is not None else {}
    if tool_calls:
        delta["tool_calls"] = tool_calls
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m1",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def error(status, message, code=None, headers=None):
    return httpx2.Response(
        status,
        headers=headers or {},
        json={"error": {"message": message, "type": "x", "code": code}},
    )


async def test_blocking_chat_sends_openai_shape_and_reads_usage(make_runtime, upstream):
    records = []
    runtime = make_runtime(sink=records.append)
    upstream.answer(completion())
    model = runtime.chat_model("openai_api_compatible", CREDS, "m1")
    result = await model.chat(
        [ChatMessage(role="system", content="Be brief."), *USER],
        ChatOptions(max_tokens=5, temperature=0, stop=["\n\n"], seed=3),
    )
    assert result.message.content == "Hello!" and result.finish_reason == "stop"
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (9, 3)
    assert not result.usage.estimated
    request = upstream.requests[0]
    assert str(request.url) == "https://llm.example.test/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    body = upstream.json_body()
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]
    assert (body["max_tokens"], body["temperature"], body["stop"], body["seed"]) == (
        5,
        0,
        ["\n\n"],
        3,
    )
    assert body["stream"] is False
    assert [(r.ok, r.usage.total_tokens, r.attempts) for r in records] == [(True, 12, 1)]


async def test_missing_usage_is_estimated(make_runtime, upstream):
    upstream.answer(completion("one two three", usage=False))
    result = await make_runtime().chat_model("openai_api_compatible", CREDS, "m1").chat(USER)
    assert result.usage.estimated
    assert result.usage.completion_tokens == 3 and result.usage.prompt_tokens > 0


async def test_tools_tool_choice_and_tool_results_round_trip(make_runtime, upstream):
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
    }
    upstream.answer(completion(None, finish="tool_calls", tool_calls=[call]))
    tool = ToolDefinition(
        name="get_weather",
        description="Weather",
        parameters={"type": "object", "properties": {"city": {"type": "string"}}},
    )
    history = [
        *USER,
        ChatMessage(
            role="assistant",
            tool_calls=[ToolCall(id="c0", name="get_weather", arguments='{"city":"Rome"}')],
        ),
        ChatMessage(role="tool", tool_call_id="c0", content="sunny"),
    ]
    model = make_runtime().chat_model("openai_api_compatible", CREDS, "m1")
    result = await model.chat(history, ChatOptions(tools=[tool], tool_choice="get_weather"))
    assert result.finish_reason == "tool_calls"
    assert result.message.tool_calls == [
        ToolCall(id="call_1", name="get_weather", arguments='{"city":"Paris"}')
    ]
    body = upstream.json_body()
    assert body["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert body["tools"][0]["function"]["name"] == "get_weather"
    assert body["messages"][1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "c0",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city":"Rome"}'},
            }
        ],
    }
    assert body["messages"][2] == {"role": "tool", "content": "sunny", "tool_call_id": "c0"}


@pytest.mark.parametrize("choice", ["auto", "none", "required"])
async def test_keyword_tool_choices_pass_through(make_runtime, upstream, choice):
    upstream.answer(completion())
    model = make_runtime().chat_model("openai_api_compatible", CREDS, "m1")
    await model.chat(USER, ChatOptions(tools=[ToolDefinition(name="f")], tool_choice=choice))
    assert upstream.json_body()["tool_choice"] == choice


async def test_images_need_a_vision_model(make_runtime, upstream):
    picture = ChatMessage(
        role="user",
        content=[TextPart(text="What is this?"), ImagePart(url="data:image/png;base64,AAAA")],
    )
    runtime = make_runtime()
    with pytest.raises(ModelBadRequestError, match="images"):
        await runtime.chat_model("openai_api_compatible", CREDS, "m1").chat([picture])
    assert upstream.requests == []
    upstream.answer(completion())
    vision = {**CREDS, "vision_support": "support"}
    await runtime.chat_model("openai_api_compatible", vision, "m1").chat([picture])
    parts = upstream.json_body()["messages"][0]["content"]
    assert parts[1] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64,AAAA", "detail": "auto"},
    }


async def test_tools_need_a_tool_calling_model(make_runtime, upstream):
    creds = {**CREDS, "function_calling_type": "no_call"}
    model = make_runtime().chat_model("openai_api_compatible", creds, "m1")
    with pytest.raises(ModelBadRequestError, match="tool calling"):
        await model.chat(USER, ChatOptions(tools=[ToolDefinition(name="f")]))


async def test_stream_yields_deltas_then_finish_with_reported_usage(make_runtime, upstream):
    usage_chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m1",
        "choices": [],
        "usage": {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6},
    }
    upstream.answer(sse([chunk("Hel"), chunk("lo"), chunk(None, "stop"), usage_chunk]))
    model = make_runtime().chat_model("openai_api_compatible", CREDS, "m1")
    deltas = [d async for d in model.stream(USER)]
    assert "".join(d.content for d in deltas) == "Hello"
    assert deltas[-1].finish_reason == "stop"
    assert deltas[-1].usage.prompt_tokens == 4 and not deltas[-1].usage.estimated
    body = upstream.json_body()
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


async def test_stream_usage_can_be_switched_off_and_is_then_estimated(make_runtime, upstream):
    upstream.answer(sse([chunk("a b"), chunk(None, "length")]))
    creds = {**CREDS, "stream_usage": "false"}
    deltas = [
        d
        async for d in make_runtime().chat_model("openai_api_compatible", creds, "m1").stream(USER)
    ]
    assert "stream_options" not in upstream.json_body()
    assert deltas[-1].finish_reason == "length" and deltas[-1].usage.estimated


async def test_stream_assembles_tool_call_fragments(make_runtime, upstream):
    upstream.answer(
        sse(
            [
                chunk(
                    tool_calls=[
                        {
                            "index": 0,
                            "id": "call_9",
                            "type": "function",
                            "function": {"name": "f", "arguments": ""},
                        }
                    ]
                ),
                chunk(tool_calls=[{"index": 0, "function": {"arguments": '{"a":'}}]),
                chunk(tool_calls=[{"index": 0, "function": {"arguments": "1}"}}]),
                chunk(None, "stop"),
            ]
        )
    )
    model = make_runtime().chat_model("openai_api_compatible", CREDS, "m1")
    deltas = [d async for d in model.stream(USER, ChatOptions(tools=[ToolDefinition(name="f")]))]
    fragments = [c for d in deltas for c in d.tool_calls]
    assert fragments[0].id == "call_9" and fragments[0].name == "f"
    assert "".join(c.arguments for c in fragments) == '{"a":1}'
    assert deltas[-1].finish_reason == "tool_calls"


async def test_wrong_key_is_auth_failed_with_a_single_request(make_runtime, upstream):
    records = []
    upstream.answer(*[error(401, "Incorrect API key provided", "invalid_api_key")] * 5)
    model = make_runtime(sink=records.append).chat_model("openai_api_compatible", CREDS, "m1")
    with pytest.raises(ModelAuthError, match="Incorrect API key"):
        await model.chat(USER)
    assert len(upstream.requests) == 1
    assert records[0].ok is False and records[0].error_code == "provider_auth_failed"


async def test_rate_limit_is_retried_then_succeeds(make_runtime, upstream):
    upstream.answer(error(429, "slow down", headers={"retry-after": "1"}), completion())
    records = []
    model = make_runtime(sink=records.append).chat_model("openai_api_compatible", CREDS, "m1")
    result = await model.chat(USER)
    assert result.message.content == "Hello!" and len(upstream.requests) == 2
    assert records[-1].attempts == 2


async def test_persistent_rate_limit_surfaces_after_bounded_retries(make_runtime, upstream):
    upstream.answer(*[error(429, "slow down")] * 10)
    model = make_runtime(yarrow_model_max_retries=2).chat_model(
        "openai_api_compatible", CREDS, "m1"
    )
    with pytest.raises(ModelRateLimitError):
        await model.chat(USER)
    assert len(upstream.requests) == 3


async def test_context_too_long_is_typed_and_not_retried(make_runtime, upstream):
    upstream.answer(
        error(400, "This model's maximum context length is 8192 tokens", "context_length_exceeded")
    )
    with pytest.raises(ContextTooLongError):
        await make_runtime().chat_model("openai_api_compatible", CREDS, "m1").chat(USER)
    assert len(upstream.requests) == 1


async def test_server_errors_open_the_breaker_for_that_credential_only(make_runtime, upstream):
    upstream.answer(*[error(500, "boom")] * 20)
    runtime = make_runtime(yarrow_model_max_retries=0, yarrow_model_circuit_failure_threshold=2)
    model = runtime.chat_model("openai_api_compatible", CREDS, "m1")
    for _ in range(2):
        with pytest.raises(ModelUnavailableError):
            await model.chat(USER)
    with pytest.raises(CircuitOpenError):
        await model.chat(USER)
    assert len(upstream.requests) == 2
    other = runtime.chat_model("openai_api_compatible", {**CREDS, "api_key": "sk-2"}, "m1")
    with pytest.raises(ModelUnavailableError) as info:
        await other.chat(USER)
    assert not isinstance(info.value, CircuitOpenError)
    assert len(upstream.requests) == 3


async def test_connection_failure_is_upstream_unavailable(make_runtime, upstream):
    def refuse(request):
        raise httpx2.ConnectError("connection refused", request=request)

    upstream.answer(refuse, refuse, refuse)
    with pytest.raises(ModelUnavailableError, match="Could not reach"):
        await make_runtime().chat_model("openai_api_compatible", CREDS, "m1").chat(USER)
    assert len(upstream.requests) == 3


async def test_embeddings_batch_and_keep_order(make_runtime, upstream):
    def embed(request):
        texts = __import__("json").loads(request.content)["input"]
        data = [
            {"object": "embedding", "index": i, "embedding": [float(len(t)), 1.0]}
            for i, t in reversed(list(enumerate(texts)))
        ]
        return httpx2.Response(
            200,
            json={
                "object": "list",
                "model": "e",
                "data": data,
                "usage": {"prompt_tokens": len(texts), "total_tokens": len(texts)},
            },
        )

    texts = ["x" * n for n in range(1, 71)]
    upstream.answer(embed, embed, embed)
    result = await make_runtime().embedding_model("openai_api_compatible", CREDS, "e").embed(texts)
    assert len(upstream.requests) == 3  # 32 + 32 + 6
    assert [v[0] for v in result.vectors] == [float(n) for n in range(1, 71)]
    assert result.dimension == 2 and result.usage.prompt_tokens == 70


async def test_rerank_uses_the_rerank_endpoint_and_sorts(make_runtime, upstream):
    upstream.answer(
        httpx2.Response(
            200,
            json={
                "results": [
                    {"index": 0, "relevance_score": 0.1},
                    {"index": 2, "relevance_score": 0.9},
                    {"index": 1, "relevance_score": 0.5},
                ],
                "usage": {"total_tokens": 30},
            },
        )
    )
    model = make_runtime().rerank_model("openai_api_compatible", CREDS, "r")
    result = await model.rerank("q", ["a", "b", "c"], top_n=2)
    assert [(h.index, h.score) for h in result.hits] == [(2, 0.9), (1, 0.5)]
    assert result.usage.prompt_tokens == 30
    assert str(upstream.requests[0].url) == "https://llm.example.test/v1/rerank"
    assert upstream.json_body() == {
        "model": "r",
        "query": "q",
        "documents": ["a", "b", "c"],
        "top_n": 2,
    }


@pytest.mark.parametrize(
    "answer", [{"data": []}, {"results": [{"index": 7, "score": 1}]}, {"results": [{"index": 0}]}]
)
async def test_rerank_rejects_malformed_answers(make_runtime, upstream, answer):
    upstream.answer(*[httpx2.Response(200, json=answer)] * 3)
    with pytest.raises(ModelUnavailableError):
        await make_runtime().rerank_model("openai_api_compatible", CREDS, "r").rerank("q", ["a"])


async def test_rerank_missing_endpoint_is_model_not_supported(make_runtime, upstream):
    upstream.answer(httpx2.Response(404, json={"detail": "Not Found"}))
    with pytest.raises(ModelNotSupportedError):
        await make_runtime().rerank_model("openai_api_compatible", CREDS, "r").rerank("q", ["a"])


async def test_azure_uses_deployment_urls_and_api_version(make_runtime, upstream):
    upstream.answer(completion())
    creds = {
        "endpoint_url": "https://res.openai.azure.com",
        "api_key": "az-key",
        "api_version": "2024-10-21",
    }
    await make_runtime().chat_model("openai_api_compatible", creds, "my-deploy").chat(USER)
    request = upstream.requests[0]
    assert request.url.path == "/openai/deployments/my-deploy/chat/completions"
    assert request.url.params["api-version"] == "2024-10-21"
    assert request.headers["api-key"] == "az-key"


async def test_list_models_asks_the_endpoint_unless_names_are_declared(make_runtime, upstream):
    upstream.answer(
        httpx2.Response(
            200,
            json={
                "object": "list",
                "data": [{"id": "llama-3", "object": "model", "created": 0, "owned_by": "me"}],
            },
        )
    )
    runtime = make_runtime()
    served = await runtime.list_models("openai_api_compatible", CREDS)
    assert [(m.name, m.type) for m in served] == [("llama-3", ModelType.LLM)]
    declared = {
        **CREDS,
        "model_names": "a, b",
        "embedding_model_names": "e",
        "context_size": "8192",
    }
    models = await runtime.list_models("openai_api_compatible", declared)
    assert {(m.name, m.type) for m in models} == {
        ("a", ModelType.LLM),
        ("b", ModelType.LLM),
        ("e", ModelType.TEXT_EMBEDDING),
    }
    assert models[0].capabilities.context_size == 8192
    assert len(upstream.requests) == 1


async def test_validate_credentials_makes_a_real_call(make_runtime, upstream):
    runtime = make_runtime()
    upstream.answer(error(401, "bad key"))
    with pytest.raises(ModelAuthError):
        await runtime.validate_credentials("openai_api_compatible", CREDS)
    assert upstream.requests[-1].url.path == "/v1/models"
    # an endpoint without /models is validated with a one-token chat
    upstream.answer(httpx2.Response(404, json={"detail": "Not Found"}), completion())
    await runtime.validate_credentials("openai_api_compatible", {**CREDS, "model_names": "m1"})
    assert upstream.requests[-1].url.path == "/v1/chat/completions"
    assert upstream.json_body()["max_tokens"] == 1


async def test_bad_endpoint_url_and_numbers_are_refused(make_runtime):
    runtime = make_runtime()
    with pytest.raises(ModelBadRequestError, match="endpoint_url"):
        await runtime.chat_model("openai_api_compatible", {"endpoint_url": "ftp://x"}, "m").chat(
            USER
        )
    with pytest.raises(ModelBadRequestError, match="context_size"):
        runtime.chat_model("openai_api_compatible", {**CREDS, "context_size": "big"}, "m")
