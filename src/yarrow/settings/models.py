"""Model runtime settings (Yarrow-only: provider-call defaults and the local model runtime)."""

from __future__ import annotations

from pydantic import Field

from yarrow.settings.base import SettingsGroup


class ModelSettings(SettingsGroup):
    """The built-in `local` provider and provider-call defaults."""

    yarrow_local_models_enabled: bool = Field(
        default=True, description="Offer the built-in `local` provider (no key, no internet)."
    )
    yarrow_local_llm_port: int = Field(
        default=0, ge=0, le=65535, description="Port of the llama.cpp child; 0 picks a free one."
    )
    yarrow_local_llm_threads: int = Field(
        default=2, ge=1, le=256, description="CPU threads of the local chat and embedding models."
    )
    yarrow_local_llm_ctx_size: int = Field(
        default=2048, ge=256, le=32768, description="Context size (tokens) of the local chat model."
    )
    yarrow_local_llm_startup_timeout: float = Field(
        default=60.0, gt=0, description="Seconds to wait for the llama.cpp child to answer."
    )
    yarrow_model_timeout: float = Field(default=60.0, gt=0, description="Seconds per call.")
    yarrow_model_max_retries: int = Field(default=2, ge=0, description="Retries on retryable.")
    yarrow_model_retry_base_delay: float = Field(
        default=0.5, ge=0, description="First retry waits up to this many seconds (full jitter)."
    )
    yarrow_model_retry_max_delay: float = Field(
        default=8.0, ge=0, description="Upper bound of one retry wait, in seconds."
    )
    yarrow_model_circuit_failure_threshold: int = Field(
        default=5,
        ge=1,
        description="Consecutive upstream failures that open one credential's breaker.",
    )
    yarrow_model_circuit_reset_seconds: float = Field(
        default=30.0, gt=0, description="Seconds an open breaker waits before one trial call."
    )
