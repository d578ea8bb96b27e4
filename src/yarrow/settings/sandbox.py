"""Code sandbox settings, API side and service side (Dify §3.8 names)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from yarrow.settings.base import SettingsGroup


class SandboxSettings(SettingsGroup):
    """Where the sandbox is, its key, and the limits code-node output must respect."""

    code_execution_endpoint: str = Field(
        default="http://127.0.0.1:8194", description="Sandbox base URL."
    )
    code_execution_api_key: SecretStr = Field(
        default=SecretStr(""), description="Shared key (X-Api-Key); generated in embedded mode."
    )
    code_execution_connect_timeout: float = Field(default=10.0, gt=0, description="Seconds.")
    code_execution_read_timeout: float = Field(default=60.0, gt=0, description="Seconds.")
    code_execution_write_timeout: float = Field(default=10.0, gt=0, description="Seconds.")
    code_max_number: int = Field(default=9223372036854775807, description="Largest number.")
    code_min_number: int = Field(default=-9223372036854775807, description="Smallest number.")
    code_max_depth: int = Field(default=5, ge=1, description="Output nesting depth.")
    code_max_precision: int = Field(default=20, ge=1, description="Float decimals.")
    code_max_string_length: int = Field(default=400000, ge=1, description="String length.")
    code_max_string_array_length: int = Field(default=30, ge=1, description="String array.")
    code_max_object_array_length: int = Field(default=30, ge=1, description="Object array.")
    code_max_number_array_length: int = Field(default=1000, ge=1, description="Number array.")
