"""The interfaces every model provider implements.

Contracts:
- All calls are async. CPU-bound local work runs in a worker thread, never on the event loop.
- Calls raise only :mod:`yarrow.models.errors` types (vendor exceptions translated, chained).
- Every model has a ``timeout`` (seconds; for the whole call, for a stream between two deltas)
  set when it is built; provider-level calls use ``ModelProvider.timeout``. Callers that need a
  shorter bound per call wrap the call in ``asyncio.timeout``.
- A provider instance is cheap to build; it may hold pooled clients and child processes, which
  :meth:`ModelProvider.aclose` releases.
- Retries, the circuit breaker and usage records are added by :class:`yarrow.models.ModelRuntime`
  around these methods; providers do a single attempt (SDK retries disabled).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from yarrow.models.errors import ModelNotSupportedError
from yarrow.models.types import (
    ChatDelta,
    ChatMessage,
    ChatOptions,
    ChatResult,
    CredentialField,
    EmbeddingResult,
    ModelInfo,
    ModelType,
    ProviderInfo,
    RerankResult,
)
from yarrow.settings.models import ModelSettings

Credentials = Mapping[str, Any]


class ChatModel(ABC):
    """A chat (LLM) model bound to one credential."""

    info: ModelInfo
    timeout: float

    @abstractmethod
    async def chat(self, messages: Sequence[ChatMessage], options: ChatOptions) -> ChatResult:
        """Complete ``messages`` and return the whole answer."""

    @abstractmethod
    def stream(
        self, messages: Sequence[ChatMessage], options: ChatOptions
    ) -> AsyncIterator[ChatDelta]:
        """Complete ``messages`` as deltas; the last one carries ``finish_reason`` and usage."""


class EmbeddingModel(ABC):
    """A text-embedding model bound to one credential."""

    info: ModelInfo
    timeout: float

    @abstractmethod
    async def embed(self, texts: Sequence[str]) -> EmbeddingResult:
        """One vector per text, in order; batches internally to the model's batch size."""


class RerankModel(ABC):
    """A rerank model bound to one credential."""

    info: ModelInfo
    timeout: float

    @abstractmethod
    async def rerank(
        self, query: str, documents: Sequence[str], *, top_n: int | None = None
    ) -> RerankResult:
        """Score ``documents`` against ``query``; hits sorted by descending score."""


@dataclass(frozen=True)
class ProviderContext:
    """What the runtime hands every provider it builds.

    ``data_dir`` is where a provider may cache derived files (the local GGUF). ``http_transport``
    replaces the network for providers that speak HTTP (an ``httpx2`` transport: the SSRF guard in
    production, a recorded-response transport in tests).
    """

    settings: ModelSettings
    data_dir: Path
    http_transport: Any | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ModelProvider(ABC):
    """A named source of models (``openai_api_compatible``, ``anthropic``, ``local``, ...).

    Registered through the ``yarrow.model_providers`` entry-point group; the entry point names a
    callable taking a :class:`ProviderContext` (usually the class itself).
    """

    name: ClassVar[str]
    label: ClassVar[str]
    model_types: ClassVar[tuple[ModelType, ...]]
    credential_schema: ClassVar[tuple[CredentialField, ...]] = ()

    def __init__(self, context: ProviderContext) -> None:
        self.context = context

    @property
    def timeout(self) -> float:
        """Seconds per call for models this provider builds and its own calls."""
        return self.context.settings.yarrow_model_timeout

    @classmethod
    def describe(cls) -> ProviderInfo:
        """Name, label, model types and credential form of this provider."""
        return ProviderInfo(
            name=cls.name,
            label=cls.label,
            model_types=list(cls.model_types),
            credential_schema=list(cls.credential_schema),
            needs_credentials=any(f.required for f in cls.credential_schema),
        )

    @abstractmethod
    async def list_models(
        self, credentials: Credentials, model_type: ModelType | None = None
    ) -> list[ModelInfo]:
        """Models available with ``credentials`` (of ``model_type`` when given)."""

    @abstractmethod
    async def validate_credentials(self, credentials: Credentials) -> None:
        """Make one real, cheap call with ``credentials``; raise a model error if it fails."""

    def chat_model(self, credentials: Credentials, model: str) -> ChatModel:
        """A chat model; raises :class:`ModelNotSupportedError` if not offered."""
        raise ModelNotSupportedError(f"Provider '{self.name}' offers no chat models.")

    def embedding_model(self, credentials: Credentials, model: str) -> EmbeddingModel:
        """An embedding model; raises :class:`ModelNotSupportedError` if not offered."""
        raise ModelNotSupportedError(f"Provider '{self.name}' offers no embedding models.")

    def rerank_model(self, credentials: Credentials, model: str) -> RerankModel:
        """A rerank model; raises :class:`ModelNotSupportedError` if not offered."""
        raise ModelNotSupportedError(f"Provider '{self.name}' offers no rerank models.")

    async def release_clients(self) -> None:  # noqa: B027 - optional hook
        """Close HTTP clients opened in the running event loop (call before that loop ends)."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release clients and child processes."""


__all__ = [
    "ChatModel",
    "Credentials",
    "EmbeddingModel",
    "ModelProvider",
    "ProviderContext",
    "RerankModel",
]
