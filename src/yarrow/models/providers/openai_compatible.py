"""``openai_api_compatible``: any OpenAI-style endpoint through the official ``openai`` SDK.

Covers OpenAI, Azure OpenAI (set ``api_version``; ``endpoint_url`` is the Azure resource and the
model name is the deployment), vLLM, Ollama, llama.cpp server, LM Studio, DeepSeek and OpenRouter.
Credential field names follow Dify's ``openai_api_compatible`` provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx2
import openai

from yarrow.models.errors import ModelBadRequestError, ModelNotSupportedError
from yarrow.models.interfaces import (
    ChatModel,
    Credentials,
    EmbeddingModel,
    ModelProvider,
    ProviderContext,
    RerankModel,
)
from yarrow.models.providers.client_cache import LoopBoundCache, credential_fingerprint
from yarrow.models.providers.openai_models import (
    ClientGetter,
    OpenAIChatModel,
    OpenAIEmbeddingModel,
    OpenAIRerankModel,
    shared_client,
    translate_openai_error,
)
from yarrow.models.types import (
    ChatMessage,
    ChatOptions,
    CredentialField,
    ModelCapabilities,
    ModelInfo,
    ModelType,
)

_NAME_FIELDS = {
    ModelType.LLM: "model_names",
    ModelType.TEXT_EMBEDDING: "embedding_model_names",
    ModelType.RERANK: "rerank_model_names",
}


def _names(credentials: Credentials, field: str) -> list[str]:
    raw = str(credentials.get(field) or "")
    return [n.strip() for n in raw.split(",") if n.strip()]


def _int(credentials: Credentials, field: str, default: int | None) -> int | None:
    value = credentials.get(field)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ModelBadRequestError(f"Credential field '{field}' must be a number.") from exc


class OpenAICompatibleProvider(ModelProvider):
    """OpenAI-protocol endpoints: chat, embeddings, and rerank where the server offers it."""

    name = "openai_api_compatible"
    label = "OpenAI-API-compatible"
    model_types = (ModelType.LLM, ModelType.TEXT_EMBEDDING, ModelType.RERANK)
    credential_schema = (
        CredentialField(
            name="endpoint_url",
            label="API endpoint URL",
            required=True,
            help="Base URL including /v1, e.g. http://127.0.0.1:8000/v1",
        ),
        CredentialField(name="api_key", label="API key", type="secret"),
        CredentialField(
            name="api_version",
            label="Azure API version",
            help="Set for Azure OpenAI; the model name is then the deployment.",
        ),
        CredentialField(
            name="model_names",
            label="Chat model names (comma-separated)",
            help="Empty: ask the endpoint's /models.",
        ),
        CredentialField(name="embedding_model_names", label="Embedding model names"),
        CredentialField(name="rerank_model_names", label="Rerank model names"),
        CredentialField(name="context_size", label="Context size", type="number", default="4096"),
        CredentialField(name="max_tokens_to_sample", label="Max output tokens", type="number"),
        CredentialField(
            name="function_calling_type",
            label="Tool calling",
            type="select",
            default="no_call",
            options=["no_call", "tool_call"],
        ),
        CredentialField(
            name="vision_support",
            label="Vision",
            type="select",
            default="no_support",
            options=["no_support", "support"],
        ),
        CredentialField(
            name="stream_usage",
            label="Ask for usage in streams",
            type="select",
            default="true",
            options=["true", "false"],
        ),
    )

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        self._clients: LoopBoundCache[openai.AsyncOpenAI] = LoopBoundCache(self._build_client)

    def _build_client(self, credentials: Mapping[str, Any]) -> openai.AsyncOpenAI:
        endpoint = str(credentials.get("endpoint_url") or "").rstrip("/")
        if not endpoint.startswith(("http://", "https://")):
            raise ModelBadRequestError(
                "endpoint_url must be an http(s) URL.", params="endpoint_url"
            )
        http_client = None
        if self.context.http_transport is not None:
            http_client = httpx2.AsyncClient(transport=self.context.http_transport)
        api_key = str(credentials.get("api_key") or "") or "sk-no-key"
        if credentials.get("api_version"):
            return openai.AsyncAzureOpenAI(
                azure_endpoint=endpoint,
                api_version=str(credentials["api_version"]),
                api_key=api_key,
                max_retries=0,
                http_client=http_client,
            )
        return openai.AsyncOpenAI(
            base_url=endpoint, api_key=api_key, max_retries=0, http_client=http_client
        )

    def client_for(self, credentials: Credentials) -> openai.AsyncOpenAI:
        """The (cached) SDK client for ``credentials``."""
        return self._clients.get(credential_fingerprint(self.name, credentials), credentials)

    def model_info(self, credentials: Credentials, model: str, model_type: ModelType) -> ModelInfo:
        """Capabilities of ``model`` as the credentials declare them."""
        caps = ModelCapabilities(
            streaming=model_type == ModelType.LLM,
            tool_calling=credentials.get("function_calling_type") == "tool_call",
            forced_tool_choice=credentials.get("function_calling_type") == "tool_call",
            vision=credentials.get("vision_support") == "support",
            context_size=_int(credentials, "context_size", 4096) or 4096,
            max_output_tokens=_int(credentials, "max_tokens_to_sample", None),
            max_batch_size=32 if model_type == ModelType.TEXT_EMBEDDING else None,
        )
        return ModelInfo(
            provider=self.name, name=model, type=model_type, label=model, capabilities=caps
        )

    async def list_models(
        self, credentials: Credentials, model_type: ModelType | None = None
    ) -> list[ModelInfo]:
        types = (
            [model_type]
            if model_type
            else [ModelType.LLM, ModelType.TEXT_EMBEDDING, ModelType.RERANK]
        )
        declared = {t: _names(credentials, _NAME_FIELDS[t]) for t in types}
        if not any(declared.values()):
            served = await self._served_models(credentials)
            declared = {model_type or ModelType.LLM: served}
        return [self.model_info(credentials, n, t) for t, names in declared.items() for n in names]

    async def _served_models(self, credentials: Credentials) -> list[str]:
        timeout = self.timeout
        try:
            page = await self.client_for(credentials).models.list(timeout=timeout)
            return [m.id async for m in page]
        except (openai.OpenAIError, httpx2.HTTPError) as exc:
            raise translate_openai_error(exc, timeout) from exc

    async def validate_credentials(self, credentials: Credentials) -> None:
        """List models; if the endpoint has no ``/models``, send a 1-token chat instead."""
        try:
            await self._served_models(credentials)
        except ModelNotSupportedError:
            names = _names(credentials, "model_names")
            if not names:
                raise
            model = self.chat_model(credentials, names[0])
            await model.chat([ChatMessage(role="user", content="ping")], ChatOptions(max_tokens=1))

    def _getter(self, credentials: Credentials) -> ClientGetter:
        frozen = dict(credentials)
        return shared_client(lambda: self.client_for(frozen))

    def chat_model(self, credentials: Credentials, model: str) -> ChatModel:
        info = self.model_info(credentials, model, ModelType.LLM)
        stream_usage = str(credentials.get("stream_usage", "true")).lower() != "false"
        return OpenAIChatModel(
            info, self._getter(credentials), timeout=self.timeout, stream_usage=stream_usage
        )

    def embedding_model(self, credentials: Credentials, model: str) -> EmbeddingModel:
        return OpenAIEmbeddingModel(
            self.model_info(credentials, model, ModelType.TEXT_EMBEDDING),
            self._getter(credentials),
            timeout=self.timeout,
        )

    def rerank_model(self, credentials: Credentials, model: str) -> RerankModel:
        return OpenAIRerankModel(
            self.model_info(credentials, model, ModelType.RERANK),
            self._getter(credentials),
            timeout=self.timeout,
        )

    async def release_clients(self) -> None:
        for client in self._clients.drain_current_loop():
            await client.close()

    async def aclose(self) -> None:
        for client in self._clients.drain():
            try:
                await client.close()
            except RuntimeError:  # its event loop is already closed: nothing left to release
                continue


__all__ = ["OpenAICompatibleProvider"]
