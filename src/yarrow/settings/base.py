"""Base class for settings groups.

Each group is a ``pydantic-settings`` model whose lower-case field names match Dify's environment
variable names case-insensitively (``db_host`` reads ``DB_HOST``). Yarrow-only settings carry a
``yarrow_`` prefix in their field name. Groups ignore variables they do not know, so a Dify ``.env``
loads unchanged.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsGroup(BaseSettings):
    """One group of settings read from the environment (and, when given, a ``.env`` file)."""

    model_config = SettingsConfigDict(
        case_sensitive=False,
        extra="ignore",
        env_file_encoding="utf-8",
        validate_default=True,
        frozen=True,
    )
