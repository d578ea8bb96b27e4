"""The shipped conformance suite against real models: ``local`` (llama.cpp + MiniLM) and
``openai_api_compatible`` pointed at the same local llama.cpp server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from yarrow.models import ModelRuntime
from yarrow.models.conformance import ChatConformance, EmbeddingConformance
from yarrow.models.providers.openai_compatible import OpenAICompatibleProvider

pytestmark = pytest.mark.live


class TestLocalProvider(ChatConformance, EmbeddingConformance):
    @pytest.fixture
    def provider(self, local_runtime: ModelRuntime, llama):
        return local_runtime.provider("local")

    @pytest.fixture
    def credentials(self) -> dict[str, Any]:
        return {}

    @pytest.fixture
    def chat_model_name(self) -> str:
        return "gemma-3-270m"

    @pytest.fixture
    def embedding_model_name(self) -> str:
        return "all-MiniLM-L6-v2"


class TestOpenAICompatibleOnLlamaCpp(ChatConformance):
    @pytest.fixture
    async def provider(self, local_runtime: ModelRuntime) -> AsyncIterator[Any]:
        provider = OpenAICompatibleProvider(local_runtime.context)
        yield provider
        await provider.aclose()

    @pytest.fixture
    def credentials(self, llama) -> dict[str, Any]:
        return {"endpoint_url": llama.base_url, "api_key": llama.api_key}

    @pytest.fixture
    def chat_model_name(self) -> str:
        return "gemma-3-270m"
