"""The shipped conformance suite against recorded vendor answers (a mock ``httpx2`` transport
standing in for Anthropic's and OpenAI-style APIs, which cannot be reached from here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.unit.models.conftest import sse
from yarrow.models import ProviderContext
from yarrow.models.conformance import (
    ChatConformance,
    EmbeddingConformance,
    RerankConformance,
)
from yarrow.models.providers.anthropic import AnthropicProvider
from yarrow.models.providers.openai_compatible import OpenAICompatibleProvider
from yarrow.settings.models import ModelSettings

ANTHROPIC_TEXT = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-haiku-4-5",
    "content": [{"type": "text", "text": "Hello!"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 10, "output_tokens": 3},
}
ANTHROPIC_STREAM = [
    {
        "type": "message_start",
        "message": {
            **ANTHROPIC_TEXT,
            "content": [],
            "stop_reason": None,
            "usage": {"input_tokens": 10, "output_tokens": 1},
        },
    },
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
    {"type": "content_block_stop", "index": 0},
    {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": 2},
    },
    {"type": "message_stop"},
]


def anthropic_recorded(request: httpx2.Request) -> httpx2.Response:
    if json.loads(request.content).get("stream"):
        return sse(ANTHROPIC_STREAM, done=False, named=True)
    return httpx2.Response(200, json=ANTHROPIC_TEXT)


def openai_recorded(request: httpx2.Request) -> httpx2.Response:
    path = request.url.path
    if path.endswith("/models"):
        return httpx2.Response(
            200,
            json={
                "object": "list",
                "data": [{"id": "m1", "object": "model", "created": 0, "owned_by": "x"}],
            },
        )
    body = json.loads(request.content)
    if path.endswith("/embeddings"):
        data = [
            {"object": "embedding", "index": i, "embedding": [0.1 * i, 0.2, 0.3]}
            for i, _ in enumerate(body["input"])
        ]
        return httpx2.Response(
            200,
            json={
                "object": "list",
                "model": "e",
                "data": data,
                "usage": {"prompt_tokens": 7, "total_tokens": 7},
            },
        )
    if path.endswith("/rerank"):
        return httpx2.Response(
            200,
            json={
                "results": [
                    {"index": i, "relevance_score": 1 / (i + 1)}
                    for i in range(len(body["documents"]))
                ]
            },
        )
    usage = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    if body.get("stream"):
        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m1"}
        return sse(
            [
                {
                    **chunk,
                    "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}],
                },
                {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
                {**chunk, "choices": [], "usage": usage},
            ]
        )
    return httpx2.Response(
        200,
        json={
            "id": "x",
            "object": "chat.completion",
            "created": 1,
            "model": "m1",
            "usage": usage,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "Hi"},
                }
            ],
        },
    )


def context(tmp_path: Path, responder) -> ProviderContext:
    return ProviderContext(
        settings=ModelSettings(), data_dir=tmp_path, http_transport=httpx2.MockTransport(responder)
    )


class TestAnthropicRecorded(ChatConformance):
    @pytest.fixture
    def provider(self, tmp_path):
        return AnthropicProvider(context(tmp_path, anthropic_recorded))

    @pytest.fixture
    def credentials(self) -> dict[str, Any]:
        return {"anthropic_api_key": "sk-ant-recorded"}

    @pytest.fixture
    def chat_model_name(self) -> str:
        return "claude-haiku-4-5"


class TestOpenAICompatibleRecorded(ChatConformance, EmbeddingConformance, RerankConformance):
    @pytest.fixture
    def provider(self, tmp_path):
        return OpenAICompatibleProvider(context(tmp_path, openai_recorded))

    @pytest.fixture
    def credentials(self) -> dict[str, Any]:
        return {"endpoint_url": "https://api.example.test/v1", "api_key": "sk-recorded"}

    @pytest.fixture
    def chat_model_name(self) -> str:
        return "m1"

    @pytest.fixture
    def embedding_model_name(self) -> str:
        return "e"

    @pytest.fixture
    def rerank_model_name(self) -> str:
        return "r"
