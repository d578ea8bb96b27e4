"""Model wrappers that add timeout defaults, retries, the circuit breaker and usage records.

What callers get from :class:`yarrow.models.ModelRuntime`. A stream is retried only while it
has yielded nothing; once a delta reached the caller, a failure is raised as is.
Every finished call (success or error) is reported once to the usage recorder.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from yarrow.models.errors import ModelError
from yarrow.models.interfaces import ChatModel, EmbeddingModel, RerankModel
from yarrow.models.resilience import (
    CircuitBreaker,
    RetryPolicy,
    Sleep,
    call_with_retries,
    counts_against_upstream,
)
from yarrow.models.types import (
    ChatDelta,
    ChatMessage,
    ChatOptions,
    ChatResult,
    EmbeddingResult,
    ModelInfo,
    RerankResult,
    Usage,
    UsageRecord,
)

T = TypeVar("T", ChatResult, EmbeddingResult, RerankResult)

Recorder = Callable[[UsageRecord], None]


@dataclass(frozen=True)
class CallPolicy:
    """Shared by every wrapper of one credential."""

    retry: RetryPolicy
    breaker: CircuitBreaker
    record: Recorder
    sleep: Sleep


async def _run(info: ModelInfo, policy: CallPolicy, attempt: Callable[[], Awaitable[T]]) -> T:
    attempts = 0

    def count(n: int) -> None:
        nonlocal attempts
        attempts = n

    started = time.monotonic()
    try:
        result = await call_with_retries(
            attempt,
            policy=policy.retry,
            breaker=policy.breaker,
            sleep=policy.sleep,
            on_attempt=count,
        )
    except ModelError as exc:
        _report_failure(info, policy, exc, started, attempts)
        raise
    policy.record(
        UsageRecord(
            provider=info.provider,
            model=info.name,
            model_type=info.type,
            usage=result.usage,
            ok=True,
            attempts=attempts,
        )
    )
    return result


def _report_failure(
    info: ModelInfo, policy: CallPolicy, exc: ModelError, started: float, attempts: int
) -> None:
    usage = Usage(latency_s=time.monotonic() - started, estimated=True)
    policy.record(
        UsageRecord(
            provider=info.provider,
            model=info.name,
            model_type=info.type,
            usage=usage,
            ok=False,
            error_code=exc.error_code,
            attempts=attempts,
        )
    )


class ResilientChatModel(ChatModel):
    """A :class:`ChatModel` with the runtime's timeout, retries, breaker and usage records."""

    def __init__(self, inner: ChatModel, policy: CallPolicy) -> None:
        self.info = inner.info
        self.timeout = inner.timeout
        self.inner = inner
        self.policy = policy

    async def chat(
        self, messages: Sequence[ChatMessage], options: ChatOptions | None = None
    ) -> ChatResult:
        opts = options or ChatOptions()
        return await _run(self.info, self.policy, lambda: self.inner.chat(messages, opts))

    async def stream(
        self, messages: Sequence[ChatMessage], options: ChatOptions | None = None
    ) -> AsyncIterator[ChatDelta]:
        opts = options or ChatOptions()
        policy, breaker = self.policy, self.policy.breaker
        started = time.monotonic()
        attempt = 0
        while True:
            breaker.before_call()
            yielded = False
            try:
                async for delta in self.inner.stream(messages, opts):
                    yielded = True
                    if delta.usage is not None:
                        policy.record(
                            UsageRecord(
                                provider=self.info.provider,
                                model=self.info.name,
                                model_type=self.info.type,
                                usage=delta.usage,
                                ok=True,
                                attempts=attempt + 1,
                            )
                        )
                    yield delta
            except ModelError as exc:
                if counts_against_upstream(exc):
                    breaker.record_failure()
                else:
                    breaker.record_success()
                if yielded or not exc.retryable or attempt >= policy.retry.max_retries:
                    _report_failure(self.info, policy, exc, started, attempt + 1)
                    raise
                await policy.sleep(policy.retry.delay(attempt, exc))
                attempt += 1
                continue
            except BaseException:  # cancelled, or the consumer closed the stream early
                breaker.abandon()
                raise
            breaker.record_success()
            return


class ResilientEmbeddingModel(EmbeddingModel):
    """An :class:`EmbeddingModel` with timeout, retries, breaker and usage records."""

    def __init__(self, inner: EmbeddingModel, policy: CallPolicy) -> None:
        self.info = inner.info
        self.timeout = inner.timeout
        self.inner = inner
        self.policy = policy

    async def embed(self, texts: Sequence[str]) -> EmbeddingResult:
        return await _run(self.info, self.policy, lambda: self.inner.embed(texts))


class ResilientRerankModel(RerankModel):
    """A :class:`RerankModel` with timeout, retries, breaker and usage records."""

    def __init__(self, inner: RerankModel, policy: CallPolicy) -> None:
        self.info = inner.info
        self.timeout = inner.timeout
        self.inner = inner
        self.policy = policy

    async def rerank(
        self, query: str, documents: Sequence[str], *, top_n: int | None = None
    ) -> RerankResult:
        return await _run(
            self.info, self.policy, lambda: self.inner.rerank(query, documents, top_n=top_n)
        )


__all__ = [
    "CallPolicy",
    "Recorder",
    "ResilientChatModel",
    "ResilientEmbeddingModel",
    "ResilientRerankModel",
]
