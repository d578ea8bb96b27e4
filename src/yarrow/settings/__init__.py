"""Yarrow settings: Dify's environment variable names, grouped, loaded once per process.

``load_settings`` is called by ``yarrow.entrypoints`` only; everything else receives the resulting
:class:`Settings` (or one of its groups) as an argument.

Embedded mode (``yarrow serve`` and the CLI when no database is configured) fills in defaults for
anything the environment leaves unset: SQLite, storage, vectors and a generated secret key, all in
one data directory. Outside embedded mode a missing secret key, or one of Dify's published
placeholder secrets, refuses to start.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, SecretStr

from yarrow.errors import ConfigurationError
from yarrow.settings.base import SettingsGroup
from yarrow.settings.core import PUBLISHED_PLACEHOLDER_SECRETS, CoreSettings
from yarrow.settings.database import DatabaseSettings
from yarrow.settings.limits import LimitSettings
from yarrow.settings.models import ModelSettings
from yarrow.settings.plugins import PluginSettings
from yarrow.settings.redis import CelerySettings, RedisSettings
from yarrow.settings.sandbox import SandboxSettings
from yarrow.settings.ssrf import SsrfSettings
from yarrow.settings.storage import StorageSettings
from yarrow.settings.vector_store import VectorStoreSettings

logger = logging.getLogger(__name__)

SECRET_KEY_FILE = "secret_key"
SANDBOX_KEY_FILE = "sandbox_key"


class Settings(BaseModel):
    """All settings of one process."""

    model_config = ConfigDict(frozen=True)

    embedded: bool
    core: CoreSettings
    db: DatabaseSettings
    redis: RedisSettings
    celery: CelerySettings
    storage: StorageSettings
    vector_store: VectorStoreSettings
    sandbox: SandboxSettings
    ssrf: SsrfSettings
    plugins: PluginSettings
    limits: LimitSettings
    models: ModelSettings

    @property
    def data_dir(self) -> Path:
        """The data directory (embedded state, generated secrets)."""
        return self.core.yarrow_data_dir

    @property
    def database_url(self) -> str:
        """SQLAlchemy URL of the configured database."""
        return self.db.url(sqlite_default_path=str(self.data_dir / "yarrow.db"))

    @property
    def uses_redis(self) -> bool:
        """Whether this process talks to Redis (never in plain embedded mode)."""
        flag = self.redis.yarrow_redis_enabled
        return (not self.embedded) if flag is None else flag

    def redacted(self) -> dict[str, Any]:
        """Effective settings as plain data with every secret replaced by ``"********"``."""
        out: dict[str, Any] = {"embedded": self.embedded}
        for name in _GROUPS:
            group: SettingsGroup = getattr(self, name)
            values: dict[str, Any] = {}
            for field in type(group).model_fields:
                value = getattr(group, field)
                if isinstance(value, SecretStr):
                    value = "********" if value.get_secret_value() else ""
                elif isinstance(value, Path):
                    value = str(value)
                values[field.upper()] = value
            out[name] = values
        return out


_GROUPS: dict[str, type[SettingsGroup]] = {
    "core": CoreSettings,
    "db": DatabaseSettings,
    "redis": RedisSettings,
    "celery": CelerySettings,
    "storage": StorageSettings,
    "vector_store": VectorStoreSettings,
    "sandbox": SandboxSettings,
    "ssrf": SsrfSettings,
    "plugins": PluginSettings,
    "limits": LimitSettings,
    "models": ModelSettings,
}

#: Defaults applied in embedded mode to variables the environment leaves unset.
_EMBEDDED_DEFAULTS: dict[str, str] = {
    "DB_TYPE": "sqlite",
    "STORAGE_TYPE": "opendal",
    "OPENDAL_SCHEME": "fs",
    "VECTOR_STORE": "lancedb",
}


def known_variable_names() -> frozenset[str]:
    """Every environment variable name some settings group reads (upper case)."""
    return frozenset(f.upper() for g in _GROUPS.values() for f in g.model_fields)


def is_database_configured(environ: Mapping[str, str]) -> bool:
    """True when the environment names a database (so the CLI is not in embedded mode)."""
    return any(k.upper() == "DB_TYPE" and v for k, v in environ.items())


def read_environment(env_file: str | Path | None = ".env") -> dict[str, str]:
    """Process environment merged over the ``.env`` file (the environment wins).

    Unknown names from the ``.env`` file are accepted and reported in one debug line.
    """
    file_values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        file_values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
        known = known_variable_names()
        unknown = sorted(k for k in file_values if k.upper() not in known)
        if unknown:
            logger.debug(
                "ignored %d unknown settings from %s: %s",
                len(unknown),
                env_file,
                ", ".join(unknown),
            )
    merged = dict(file_values)
    merged.update(os.environ)
    return merged


def load_settings(
    *,
    embedded: bool,
    environ: Mapping[str, str] | None = None,
    env_file: str | Path | None = ".env",
) -> Settings:
    """Build the settings of one process.

    Args:
        embedded: apply embedded-mode defaults and generate secrets in the data directory.
        environ: variables to read; defaults to the process environment merged over ``env_file``.
        env_file: the ``.env`` file read when ``environ`` is not given.

    Raises:
        ConfigurationError: a value is invalid, or (outside embedded mode) the secret key is
            missing or one of Dify's published placeholders.
    """
    source = dict(environ) if environ is not None else read_environment(env_file)
    upper = {k.upper(): v for k, v in source.items()}
    if embedded:
        for key, value in _EMBEDDED_DEFAULTS.items():
            upper.setdefault(key, value)
    lowered = {k.lower(): v for k, v in upper.items()}
    try:
        groups = {
            name: cls.model_validate(_fields_of(cls, lowered)) for name, cls in _GROUPS.items()
        }
    except ValueError as exc:
        raise ConfigurationError(f"Invalid setting: {exc}") from exc
    settings = Settings(embedded=embedded, **groups)
    if embedded:
        settings = _with_embedded_secrets(settings)
    else:
        check_production_secrets(settings)
    return settings


def _fields_of(cls: type[SettingsGroup], values: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if k in cls.model_fields}


def check_production_secrets(settings: Settings) -> None:
    """Refuse a missing or published placeholder secret outside embedded mode."""
    key = settings.core.secret_key.get_secret_value()
    fix = (
        "Set SECRET_KEY to a long random value, for example the output of "
        "`openssl rand -base64 42`, or run `yarrow serve` for embedded mode."
    )
    if not key:
        raise ConfigurationError(f"SECRET_KEY is not set. {fix}")
    if key in PUBLISHED_PLACEHOLDER_SECRETS:
        raise ConfigurationError(f"SECRET_KEY is a published placeholder value from Dify. {fix}")
    if len(key.encode("utf-8")) < 32:
        raise ConfigurationError(f"SECRET_KEY is too short (at least 32 bytes). {fix}")
    sandbox_key = settings.sandbox.code_execution_api_key.get_secret_value()
    if sandbox_key in PUBLISHED_PLACEHOLDER_SECRETS:
        raise ConfigurationError(
            "CODE_EXECUTION_API_KEY is a published placeholder value from Dify; set a random one "
            "on both the API and the sandbox."
        )


def _with_embedded_secrets(settings: Settings) -> Settings:
    """Fill unset secrets from files in the data directory, creating them on first start."""
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    core = settings.core
    if not core.secret_key.get_secret_value():
        core = core.model_copy(
            update={"secret_key": SecretStr(_stored_secret(data_dir, SECRET_KEY_FILE))}
        )
    sandbox = settings.sandbox
    if not sandbox.code_execution_api_key.get_secret_value():
        sandbox = sandbox.model_copy(
            update={"code_execution_api_key": SecretStr(_stored_secret(data_dir, SANDBOX_KEY_FILE))}
        )
    return settings.model_copy(update={"core": core, "sandbox": sandbox})


def _stored_secret(data_dir: Path, name: str) -> str:
    """Read a secret from ``data_dir/name``, generating it (mode 0600) if it does not exist."""
    path = data_dir / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_urlsafe(42)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value


__all__ = [
    "Settings",
    "is_database_configured",
    "known_variable_names",
    "load_settings",
    "read_environment",
]
