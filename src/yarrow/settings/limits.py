"""Limits and quotas (Dify §3.11 names)."""

from __future__ import annotations

from pydantic import Field

from yarrow.settings.base import SettingsGroup


class LimitSettings(SettingsGroup):
    """Upload sizes, concurrency and execution limits."""

    upload_file_size_limit: int = Field(default=15, ge=1, description="MB, documents.")
    upload_file_batch_limit: int = Field(default=5, ge=1, description="Files per batch.")
    upload_image_file_size_limit: int = Field(default=10, ge=1, description="MB, images.")
    upload_video_file_size_limit: int = Field(default=100, ge=1, description="MB, video.")
    upload_audio_file_size_limit: int = Field(default=50, ge=1, description="MB, audio.")
    upload_file_extension_blacklist: str = Field(default="", description="e.g. exe,bat,sh.")
    app_max_active_requests: int = Field(default=0, ge=0, description="Per app; 0 = no limit.")
    app_max_execution_time: int = Field(default=1200, ge=1, description="Seconds.")
    workflow_max_execution_steps: int = Field(default=500, ge=1, description="Steps per run.")
    workflow_max_execution_time: int = Field(default=1200, ge=1, description="Seconds per run.")
    workflow_call_max_depth: int = Field(default=5, ge=1, description="Nested workflow depth.")
    max_variable_size: int = Field(default=204800, ge=1, description="Bytes.")
    yarrow_api_key_rate_limit_per_minute: int = Field(
        default=0, ge=0, description="Requests per minute per API key; 0 = no limit."
    )
    yarrow_unused_upload_retention_hours: int = Field(
        default=168, ge=1, description="Uploads no chat or document uses are deleted after this."
    )
    yarrow_max_query_chars: int = Field(
        default=100_000, ge=1, description="Longest accepted chat or completion query."
    )
    yarrow_max_request_body_mb: int = Field(
        default=100, ge=1, description="Largest accepted request body, in MB."
    )
