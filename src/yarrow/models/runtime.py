"""The model runtime: the one object the service layer talks to.

It lists providers and their models, validates credentials with a real call, and builds model
instances from ``(provider name, credentials dict, model name)``. Every model it returns runs with
the configured timeout, bounded retries with jitter, a circuit breaker shared by all calls with
the same provider credential, and reports a :class:`UsageRecord` per call to ``usage_sink``
(persisting them is the caller's business; the sink must not raise).

One runtime per process; :meth:`ModelRuntime.aclose` stops child processes (the local llama.cpp
server) and closes HTTP clients.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable

from yarrow.models.interfaces import Credentials, ModelProvider, ProviderContext
from yarrow.models.providers.client_cache import credential_fingerprint
from yarrow.models.registry import ProviderRegistry, UnknownProviderError
from yarrow.models.resilience import CircuitBreaker, Clock, RetryPolicy, Sleep, call_with_retries
from yarrow.models.resilient import (
    CallPolicy,
    ResilientChatModel,
    ResilientEmbeddingModel,
    ResilientRerankModel,
)
from yarrow.models.types import ModelInfo, ModelType, ProviderInfo, UsageRecord

LOCAL_PROVIDER = "local"


def _discard(_: UsageRecord) -> None:
    return None


class ModelRuntime:
    """Providers by name, models with resilience, usage records."""

    def __init__(
        self,
        context: ProviderContext,
        *,
        registry: ProviderRegistry | None = None,
        usage_sink: Callable[[UsageRecord], None] | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.context = context
        self.registry = registry or ProviderRegistry.from_entry_points()
        self._sink = usage_sink or _discard
        self._sleep = sleep
        self._clock = clock
        s = context.settings
        self.retry = RetryPolicy(
            max_retries=s.yarrow_model_max_retries,
            base_delay=s.yarrow_model_retry_base_delay,
            max_delay=s.yarrow_model_retry_max_delay,
            rng=rng or random.Random(),
        )
        self._lock = threading.Lock()
        self._providers: dict[str, ModelProvider] = {}
        self._breakers: dict[str, CircuitBreaker] = {}

    # -- discovery ---------------------------------------------------------------------------

    def provider_names(self) -> list[str]:
        """Installed and enabled provider names."""
        names = self.registry.names()
        if not self.context.settings.yarrow_local_models_enabled:
            names = [n for n in names if n != LOCAL_PROVIDER]
        return names

    def providers(self) -> list[ProviderInfo]:
        """Every enabled provider with its model types and credential schema."""
        return [self.registry.describe(name) for name in self.provider_names()]

    def provider(self, name: str) -> ModelProvider:
        """The (single, cached) instance of provider ``name``."""
        if name not in self.provider_names():
            installed = ", ".join(self.provider_names()) or "none"
            raise UnknownProviderError(
                f"Unknown or disabled model provider '{name}'. Available: {installed}."
            )
        with self._lock:
            if name not in self._providers:
                self._providers[name] = self.registry.create(name, self.context)
            return self._providers[name]

    async def list_models(
        self, provider: str, credentials: Credentials, model_type: ModelType | None = None
    ) -> list[ModelInfo]:
        """Models ``provider`` offers with ``credentials`` (of ``model_type`` when given)."""
        instance = self.provider(provider)
        return await call_with_retries(
            lambda: instance.list_models(credentials, model_type),
            policy=self.retry,
            breaker=self.breaker(provider, credentials),
            sleep=self._sleep,
        )

    async def validate_credentials(self, provider: str, credentials: Credentials) -> None:
        """One real call with ``credentials``; raises a model error (e.g. ``ModelAuthError``)."""
        instance = self.provider(provider)
        await call_with_retries(
            lambda: instance.validate_credentials(credentials),
            policy=self.retry,
            breaker=self.breaker(provider, credentials),
            sleep=self._sleep,
        )

    # -- models ------------------------------------------------------------------------------

    def breaker(self, provider: str, credentials: Credentials) -> CircuitBreaker:
        """The circuit breaker shared by every call of ``provider`` with ``credentials``."""
        key = credential_fingerprint(provider, credentials)
        s = self.context.settings
        with self._lock:
            if key not in self._breakers:
                self._breakers[key] = CircuitBreaker(
                    failure_threshold=s.yarrow_model_circuit_failure_threshold,
                    reset_timeout=s.yarrow_model_circuit_reset_seconds,
                    clock=self._clock,
                )
            return self._breakers[key]

    def _policy(self, provider: str, credentials: Credentials) -> CallPolicy:
        return CallPolicy(
            retry=self.retry,
            breaker=self.breaker(provider, credentials),
            record=self._sink,
            sleep=self._sleep,
        )

    def chat_model(
        self, provider: str, credentials: Credentials, model: str, *, timeout: float | None = None
    ) -> ResilientChatModel:
        """Chat model ``model`` of ``provider`` bound to ``credentials``.

        ``timeout`` (seconds per attempt) overrides ``YARROW_MODEL_TIMEOUT``.
        """
        inner = self.provider(provider).chat_model(credentials, model)
        if timeout is not None:
            inner.timeout = timeout
        return ResilientChatModel(inner, self._policy(provider, credentials))

    def embedding_model(
        self, provider: str, credentials: Credentials, model: str, *, timeout: float | None = None
    ) -> ResilientEmbeddingModel:
        """Embedding model ``model`` of ``provider`` bound to ``credentials``."""
        inner = self.provider(provider).embedding_model(credentials, model)
        if timeout is not None:
            inner.timeout = timeout
        return ResilientEmbeddingModel(inner, self._policy(provider, credentials))

    def rerank_model(
        self, provider: str, credentials: Credentials, model: str, *, timeout: float | None = None
    ) -> ResilientRerankModel:
        """Rerank model ``model`` of ``provider`` bound to ``credentials``."""
        inner = self.provider(provider).rerank_model(credentials, model)
        if timeout is not None:
            inner.timeout = timeout
        return ResilientRerankModel(inner, self._policy(provider, credentials))

    async def release_clients(self) -> None:
        """Close every provider's HTTP clients opened in the running event loop.

        A process that runs each task in its own short-lived event loop calls this before the
        loop ends; the API server, with one loop, only needs :meth:`aclose` at shutdown.
        """
        with self._lock:
            providers = list(self._providers.values())
        for provider in providers:
            await provider.release_clients()

    async def aclose(self) -> None:
        """Stop child processes and close clients of every provider built so far."""
        with self._lock:
            providers = list(self._providers.values())
            self._providers.clear()
        for provider in providers:
            await provider.aclose()


__all__ = ["LOCAL_PROVIDER", "ModelRuntime"]
