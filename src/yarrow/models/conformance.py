"""The conformance suite every model provider passes; subclass it in your provider's tests.

    class TestMyProvider(ChatConformance, EmbeddingConformance):
        @pytest.fixture
        def provider(self) -> ModelProvider: ...          # built with a ProviderContext
        @pytest.fixture
        def credentials(self) -> dict[str, Any]: ...
        @pytest.fixture
        def chat_model_name(self) -> str: ...             # ChatConformance
        @pytest.fixture
        def embedding_model_name(self) -> str: ...        # EmbeddingConformance
        @pytest.fixture
        def rerank_model_name(self) -> str: ...           # RerankConformance

The tests check shapes and contracts, never wording, so they run against small local models and
recorded responses alike. Imported only by tests (needs pytest and pytest-asyncio in auto mode).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from yarrow.models.errors import ModelNotSupportedError
from yarrow.models.interfaces import ModelProvider
from yarrow.models.types import ChatMessage, ChatOptions, ModelType

_BUILDERS = {
    ModelType.LLM: "chat_model",
    ModelType.TEXT_EMBEDDING: "embedding_model",
    ModelType.RERANK: "rerank_model",
}


class ProviderConformance:
    """What every provider must do, whatever its model types."""

    def test_describe_is_consistent(self, provider: ModelProvider) -> None:
        info = type(provider).describe()
        assert info.name == provider.name and info.label
        assert info.model_types, "a provider offers at least one model type"
        names = [f.name for f in info.credential_schema]
        assert len(names) == len(set(names)), "credential field names must be unique"
        assert info.needs_credentials == any(f.required for f in info.credential_schema)

    async def test_models_belong_to_the_provider(
        self, provider: ModelProvider, credentials: dict[str, Any]
    ) -> None:
        models = await provider.list_models(credentials)
        assert models, "list_models returned nothing for valid credentials"
        for model in models:
            assert model.provider == provider.name
            assert model.type in provider.model_types

    async def test_valid_credentials_validate(
        self, provider: ModelProvider, credentials: dict[str, Any]
    ) -> None:
        await provider.validate_credentials(credentials)

    def test_unoffered_model_types_are_refused(
        self, provider: ModelProvider, credentials: dict[str, Any]
    ) -> None:
        for model_type, builder in _BUILDERS.items():
            if model_type not in provider.model_types:
                with pytest.raises(ModelNotSupportedError):
                    getattr(provider, builder)(credentials, "any-model")


class ChatConformance(ProviderConformance):
    """Chat contract: usage, finish reasons, max_tokens, stream framing."""

    max_tokens = 8

    async def test_chat_answers_with_usage(
        self, provider: ModelProvider, credentials: dict[str, Any], chat_model_name: str
    ) -> None:
        model = provider.chat_model(credentials, chat_model_name)
        assert model.info.type == ModelType.LLM and model.timeout > 0
        result = await model.chat(
            [ChatMessage(role="user", content="Say hello.")],
            ChatOptions(max_tokens=self.max_tokens, temperature=0),
        )
        assert result.message.role == "assistant"
        assert result.finish_reason in ("stop", "length", "tool_calls", "content_filter")
        assert result.usage.prompt_tokens > 0
        assert 0 <= result.usage.completion_tokens <= self.max_tokens
        assert result.usage.latency_s >= 0

    async def test_stream_ends_with_one_final_delta(
        self, provider: ModelProvider, credentials: dict[str, Any], chat_model_name: str
    ) -> None:
        model = provider.chat_model(credentials, chat_model_name)
        deltas = [
            d
            async for d in model.stream(
                [ChatMessage(role="user", content="Say hello.")],
                ChatOptions(max_tokens=self.max_tokens, temperature=0),
            )
        ]
        assert deltas, "a stream yields at least its final delta"
        *body, last = deltas
        assert last.finish_reason is not None and last.usage is not None
        assert all(d.finish_reason is None and d.usage is None for d in body)
        assert last.usage.prompt_tokens > 0


class EmbeddingConformance(ProviderConformance):
    """Embedding contract: one vector per text, in order, of one dimension."""

    async def test_embeddings_shape(
        self, provider: ModelProvider, credentials: dict[str, Any], embedding_model_name: str
    ) -> None:
        model = provider.embedding_model(credentials, embedding_model_name)
        texts = ["first text", "second, different text", "third"]
        result = await model.embed(texts)
        assert len(result.vectors) == len(texts)
        assert result.dimension > 0
        assert all(len(v) == result.dimension for v in result.vectors)
        assert all(math.isfinite(x) for v in result.vectors for x in v)
        assert result.usage.prompt_tokens > 0

    async def test_empty_input_makes_no_vectors(
        self, provider: ModelProvider, credentials: dict[str, Any], embedding_model_name: str
    ) -> None:
        result = await provider.embedding_model(credentials, embedding_model_name).embed([])
        assert result.vectors == []


class RerankConformance(ProviderConformance):
    """Rerank contract: valid indexes, descending scores, top_n honoured."""

    async def test_rerank_sorts_and_cuts(
        self, provider: ModelProvider, credentials: dict[str, Any], rerank_model_name: str
    ) -> None:
        model = provider.rerank_model(credentials, rerank_model_name)
        documents = ["alpha", "beta", "gamma"]
        result = await model.rerank("query", documents, top_n=2)
        assert len(result.hits) <= 2
        assert all(0 <= h.index < len(documents) for h in result.hits)
        scores = [h.score for h in result.hits]
        assert scores == sorted(scores, reverse=True)


__all__ = [
    "ChatConformance",
    "EmbeddingConformance",
    "ProviderConformance",
    "RerankConformance",
]
