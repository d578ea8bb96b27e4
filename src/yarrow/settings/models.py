"""Model runtime settings (Yarrow-only: the local model runtime)."""

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
    yarrow_model_timeout: float = Field(default=60.0, gt=0, description="Seconds per call.")
    yarrow_model_max_retries: int = Field(default=2, ge=0, description="Retries on retryable.")
