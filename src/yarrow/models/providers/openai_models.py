"""Chat, embedding and rerank models over an OpenAI-style HTTP API (the official ``openai`` SDK).

Each model gets its SDK client from an async ``client`` callable, so the ``local`` provider can
start its llama.cpp child before the first request. SDK retries are off: the runtime retries.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, NoReturn

import httpx2
import openai

from yarrow.models.errors import (
    ModelBadRequestError,
    ModelError,
    ModelTimeoutError,
    ModelUnavailableError,
    error_for_status,
    parse_retry_after,
)
from yarrow.models.interfaces import ChatModel, EmbeddingModel, RerankModel
from yarrow.models.providers import openai_wire as wire
from yarrow.models.tokens import estimate_tokens
from yarrow.models.types import (
    ChatDelta,
    ChatMessage,
    ChatOptions,
    ChatResult,
    EmbeddingResult,
    FinishReason,
    ModelInfo,
    RerankHit,
    RerankResult,
    Usage,
)

#: Lends a client for one call: ``async with getter() as client: ...``.
ClientGetter = Callable[[], AbstractAsyncContextManager[openai.AsyncOpenAI]]


def shared_client(get: Callable[[], openai.AsyncOpenAI]) -> ClientGetter:
    """A getter lending a long-lived client that the call must not close."""

    @asynccontextmanager
    async def lend() -> AsyncIterator[openai.AsyncOpenAI]:
        yield get()

    return lend


def translate_openai_error(exc: BaseException, timeout: float) -> ModelError:
    """The model error for an ``openai`` SDK or ``httpx2`` exception."""
    if isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException | TimeoutError):
        return ModelTimeoutError(f"The model provider did not answer within {timeout:g} s.")
    if isinstance(exc, openai.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        code = body.get("code") or body.get("type")
        return error_for_status(
            exc.status_code,
            str(body.get("message") or exc.message),
            retry_after=parse_retry_after(exc.response.headers.get("retry-after")),
            code=str(code) if code else None,
        )
    if isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
        return ModelUnavailableError(f"Could not reach the model provider: {exc}")
    return ModelUnavailableError(f"The model provider sent an unusable answer: {exc}")


def _raise_translated(exc: BaseException, timeout: float) -> NoReturn:
    raise translate_openai_error(exc, timeout) from exc


_VENDOR_ERRORS = (openai.OpenAIError, httpx2.HTTPError, TimeoutError)


class OpenAIChatModel(ChatModel):
    """Chat completions (blocking and streamed) on an OpenAI-style endpoint."""

    def __init__(
        self, info: ModelInfo, client: ClientGetter, *, timeout: float, stream_usage: bool = True
    ):
        self.info = info
        self.timeout = timeout
        self._client = client
        self._stream_usage = stream_usage

    async def chat(self, messages: Sequence[ChatMessage], options: ChatOptions) -> ChatResult:
        timeout = self.timeout
        caps = self.info.capabilities
        wire.check_capabilities(messages, options, caps, self.info.name)
        params = wire.request_params(self.info.name, messages, options, caps.max_output_tokens)
        started = time.monotonic()
        try:
            async with self._client() as client, asyncio.timeout(timeout):
                completion = await client.chat.completions.create(
                    **params, stream=False, timeout=timeout
                )
        except _VENDOR_ERRORS as exc:
            _raise_translated(exc, timeout)
        return wire.chat_result(completion, self.info.name, messages, time.monotonic() - started)

    async def stream(
        self, messages: Sequence[ChatMessage], options: ChatOptions
    ) -> AsyncIterator[ChatDelta]:
        timeout = self.timeout
        caps = self.info.capabilities
        wire.check_capabilities(messages, options, caps, self.info.name)
        params = wire.request_params(self.info.name, messages, options, caps.max_output_tokens)
        if self._stream_usage:
            params["stream_options"] = {"include_usage": True}
        started = time.monotonic()
        text: list[str] = []
        reason: str | None = None
        raw_usage: Any = None
        saw_tool_call = False
        try:
            async with self._client() as client:
                async with asyncio.timeout(timeout):
                    stream = await client.chat.completions.create(
                        **params, stream=True, timeout=timeout
                    )
                iterator = aiter(stream)
                while True:
                    try:
                        async with asyncio.timeout(timeout):
                            chunk = await anext(iterator)
                    except StopAsyncIteration:
                        break
                    if getattr(chunk, "usage", None) is not None:
                        raw_usage = chunk.usage
                    delta, chunk_reason = wire.chunk_delta(chunk)
                    reason = chunk_reason or reason
                    if delta is not None:
                        text.append(delta.content)
                        saw_tool_call = saw_tool_call or bool(delta.tool_calls)
                        yield delta
        except _VENDOR_ERRORS as exc:
            _raise_translated(exc, timeout)
        final: FinishReason = wire.finish_reason(reason)
        if saw_tool_call and final == "stop":
            final = "tool_calls"
        usage = wire.usage_from(raw_usage, messages, "".join(text), time.monotonic() - started)
        yield ChatDelta(finish_reason=final, usage=usage)


class OpenAIEmbeddingModel(EmbeddingModel):
    """``/embeddings`` in batches of ``capabilities.max_batch_size``."""

    def __init__(self, info: ModelInfo, client: ClientGetter, *, timeout: float):
        self.info = info
        self.timeout = timeout
        self._client = client

    async def embed(self, texts: Sequence[str]) -> EmbeddingResult:
        timeout = self.timeout
        batch = self.info.capabilities.max_batch_size or 32
        started = time.monotonic()
        vectors: list[list[float]] = []
        tokens = 0
        estimated = False
        try:
            async with self._client() as client, asyncio.timeout(timeout):
                for start in range(0, len(texts), batch):
                    part = list(texts[start : start + batch])
                    answer = await client.embeddings.create(
                        model=self.info.name, input=part, encoding_format="float", timeout=timeout
                    )
                    ordered = sorted(answer.data, key=lambda d: d.index)
                    vectors.extend([float(x) for x in d.embedding] for d in ordered)
                    if answer.usage is not None and answer.usage.prompt_tokens:
                        tokens += int(answer.usage.prompt_tokens)
                    else:
                        estimated = True
                        tokens += sum(estimate_tokens(t) for t in part)
        except _VENDOR_ERRORS as exc:
            _raise_translated(exc, timeout)
        if len(vectors) != len(texts):
            raise ModelBadRequestError(
                f"The provider returned {len(vectors)} vectors for {len(texts)} texts."
            )
        dimension = (
            len(vectors[0]) if vectors else (self.info.capabilities.embedding_dimension or 0)
        )
        usage = Usage(
            prompt_tokens=tokens, latency_s=time.monotonic() - started, estimated=estimated
        )
        return EmbeddingResult(
            model=self.info.name, vectors=vectors, dimension=dimension, usage=usage
        )


class OpenAIRerankModel(RerankModel):
    """``POST {base}/rerank`` in the Jina/Cohere shape that vLLM and llama.cpp serve."""

    def __init__(self, info: ModelInfo, client: ClientGetter, *, timeout: float):
        self.info = info
        self.timeout = timeout
        self._client = client

    async def rerank(
        self, query: str, documents: Sequence[str], *, top_n: int | None = None
    ) -> RerankResult:
        timeout = self.timeout
        started = time.monotonic()
        body: dict[str, Any] = {
            "model": self.info.name,
            "query": query,
            "documents": list(documents),
        }
        if top_n is not None:
            body["top_n"] = top_n
        try:
            async with self._client() as client, asyncio.timeout(timeout):
                answer = await client.post(
                    "/rerank", cast_to=object, body=body, options={"timeout": timeout}
                )
        except _VENDOR_ERRORS as exc:
            _raise_translated(exc, timeout)
        hits = _parse_rerank(answer, len(documents))
        if top_n is not None:
            hits = hits[:top_n]
        usage_raw = answer.get("usage") if isinstance(answer, dict) else None
        reported = (usage_raw or {}).get("total_tokens") or (usage_raw or {}).get("prompt_tokens")
        usage = Usage(
            prompt_tokens=int(reported)
            if reported
            else sum(estimate_tokens(query) + estimate_tokens(d) for d in documents),
            latency_s=time.monotonic() - started,
            estimated=not reported,
        )
        return RerankResult(model=self.info.name, hits=hits, usage=usage)


def _parse_rerank(answer: object, count: int) -> list[RerankHit]:
    results = answer.get("results") if isinstance(answer, dict) else None
    if not isinstance(results, list):
        raise ModelUnavailableError("The rerank endpoint answered without a 'results' list.")
    hits: list[RerankHit] = []
    for item in results:
        index = item.get("index") if isinstance(item, dict) else None
        score = item.get("relevance_score", item.get("score")) if isinstance(item, dict) else None
        if not isinstance(index, int) or not 0 <= index < count or score is None:
            raise ModelUnavailableError(f"The rerank endpoint sent an invalid result: {item!r}")
        hits.append(RerankHit(index=index, score=float(score)))
    return sorted(hits, key=lambda h: h.score, reverse=True)


__all__ = [
    "ClientGetter",
    "shared_client",
    "OpenAIChatModel",
    "OpenAIEmbeddingModel",
    "OpenAIRerankModel",
    "translate_openai_error",
]
