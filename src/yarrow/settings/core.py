"""Core settings: identity, secrets, URLs, tokens, logging (Dify §3.1-3.2 names)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from yarrow.settings.base import SettingsGroup

#: Secrets that Dify ships in ``.env.example``, compose files and its Helm chart. Outside embedded
#: mode Yarrow refuses to start with any of them.
PUBLISHED_PLACEHOLDER_SECRETS: frozenset[str] = frozenset(
    {
        "sk-9f73s3ljTXVcMT3Blb3ljTqtsKiGHXVcMT3BlbkFJLK7U",
        "lYkiYYT6owG+71oLerGzA7GXCgOT++6ovaezWAjpCjf+Sjc3ZtU+qUEi",
        "QaHbTe77CtuXmsfyhR7+vRjI/+XbV1AaFy691iy+kGDv2Jvy0/eAh8Y1",
        "dify-sandbox",
        "difyai123456",
        "plugin-api-key",
        "inner-api-key",
        "WVF5YThaHlkYwhGUSmCRgsX3tD5ngdN8pkih",
        "your-secret-key",
        "changethis",
    }
)


def default_data_dir() -> Path:
    """Where ``yarrow serve`` keeps its state when ``YARROW_DATA_DIR`` is not set."""
    return Path.home() / ".local" / "share" / "yarrow"


class CoreSettings(SettingsGroup):
    """Secrets, public URLs, token lifetimes and logging."""

    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="Signs tokens and encrypts stored credentials. Generated in embedded mode.",
    )
    deploy_env: str = Field(default="PRODUCTION", description="PRODUCTION or TESTING.")
    edition: str = Field(default="SELF_HOSTED", description="Kept for Dify compatibility.")
    debug: bool = Field(default=False, description="Verbose errors and logs.")
    log_level: str = Field(default="INFO", description="Root log level.")
    log_format: Literal["text", "json"] = Field(
        default="text", description="`json` writes one JSON object per log line."
    )
    console_api_url: str = Field(default="", description="Public console-API base URL.")
    console_web_url: str = Field(default="", description="Public console UI base URL.")
    service_api_url: str = Field(default="", description="Service API base shown to users.")
    app_web_url: str = Field(default="", description="Web-app base URL.")
    files_url: str = Field(default="", description="Base for signed file URLs.")
    files_access_timeout: int = Field(default=300, ge=1, description="Signed URL lifetime (s).")
    access_token_expire_minutes: int = Field(default=60, ge=1, description="Access token life.")
    refresh_token_expire_days: float = Field(default=30, gt=0, description="Refresh token life.")
    login_lockout_duration: int = Field(
        default=86400, ge=1, description="Seconds an email is locked after too many failures."
    )
    yarrow_login_max_attempts: int = Field(
        default=5, ge=1, description="Failed logins per email before the lockout starts."
    )
    init_password: SecretStr = Field(
        default=SecretStr(""), description="If set, first-run setup requires this password."
    )
    invite_expiry_hours: int = Field(default=72, ge=1, description="Invitation lifetime.")
    web_api_cors_allow_origins: str = Field(default="*", description="CORS origins for /api.")
    console_cors_allow_origins: str = Field(default="", description="CORS origins for console.")
    yarrow_data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Data directory of embedded mode (SQLite, files, vectors, secret key).",
    )
    yarrow_host: str = Field(default="127.0.0.1", description="Bind address of yarrow serve.")
    yarrow_port: int = Field(default=5001, ge=1, le=65535, description="Port of yarrow serve.")
