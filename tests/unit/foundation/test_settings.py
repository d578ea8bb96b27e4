"""Settings: Dify names, a Dify .env, embedded secrets, refusal of placeholder secrets."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from yarrow.errors import ConfigurationError
from yarrow.settings import known_variable_names, load_settings, read_environment

DIFY_ENV = """
# a slice of Dify's docker/.env.example, unknown variables included
CONSOLE_API_URL=
SERVICE_API_URL=https://api.example.com
SECRET_KEY=a-real-secret-that-is-long-enough-123
DB_TYPE=postgresql
DB_USERNAME=dify
DB_PASSWORD=pw
DB_HOST=db.internal
DB_PORT=5433
DB_DATABASE=difydb
SQLALCHEMY_POOL_SIZE=7
REDIS_HOST=redis.internal
REDIS_PORT=6380
REDIS_USE_SENTINEL=true
REDIS_SENTINELS=a:26379,b:26379
CELERY_BROKER_URL=redis://:pw@redis:6379/1
STORAGE_TYPE=s3
S3_BUCKET_NAME=mybucket
VECTOR_STORE=weaviate
WEAVIATE_ENDPOINT=http://weaviate:8080
CODE_EXECUTION_ENDPOINT=http://sandbox:8194
CODE_EXECUTION_API_KEY=a-random-sandbox-key-xyz
UPLOAD_FILE_SIZE_LIMIT=25
APP_MAX_ACTIVE_REQUESTS=3
NGINX_SERVER_NAME=_
EXPOSE_NGINX_PORT=80
PGDATA=/var/lib/postgresql/data/pgdata
SOME_FUTURE_DIFY_SETTING=1
"""


def test_a_dify_env_file_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(DIFY_ENV)
    for name in list(os.environ):
        if name.upper() in known_variable_names():
            monkeypatch.delenv(name)
    with caplog.at_level(logging.DEBUG, logger="yarrow.settings"):
        environ = read_environment(env_file)
    settings = load_settings(embedded=False, environ=environ)
    assert settings.database_url == ("postgresql+psycopg://dify:pw@db.internal:5433/difydb")
    assert settings.db.sqlalchemy_pool_size == 7
    assert (settings.redis.redis_host, settings.redis.redis_port) == ("redis.internal", 6380)
    assert settings.redis.redis_use_sentinel is True
    assert settings.storage.storage_type == "s3"
    assert settings.vector_store.vector_store == "weaviate"
    assert settings.limits.upload_file_size_limit == 25
    assert settings.core.service_api_url == "https://api.example.com"
    ignored = [r.getMessage() for r in caplog.records if "unknown settings" in r.getMessage()]
    assert len(ignored) == 1
    assert "NGINX_SERVER_NAME" in ignored[0] and "SOME_FUTURE_DIFY_SETTING" in ignored[0]


def test_environment_wins_over_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DB_HOST=from-file\nLOG_LEVEL=DEBUG\n")
    monkeypatch.setenv("DB_HOST", "from-env")
    environ = read_environment(env_file)
    assert environ["DB_HOST"] == "from-env" and environ["LOG_LEVEL"] == "DEBUG"


def test_dify_code_defaults() -> None:
    settings = load_settings(embedded=False, environ={"SECRET_KEY": "x" * 32})
    assert settings.db.db_type == "postgresql" and settings.db.db_port == 5432
    assert settings.db.db_database == "dify"
    assert settings.core.files_access_timeout == 300
    assert settings.core.access_token_expire_minutes == 60
    assert settings.limits.upload_file_size_limit == 15
    assert settings.limits.workflow_max_execution_steps == 500
    assert settings.storage.storage_type == "opendal"


def test_embedded_mode_generates_and_keeps_its_secret(tmp_path: Path) -> None:
    environ = {"YARROW_DATA_DIR": str(tmp_path / "data")}
    first = load_settings(embedded=True, environ=environ)
    second = load_settings(embedded=True, environ=environ)
    key = first.core.secret_key.get_secret_value()
    assert len(key) >= 40 and key == second.core.secret_key.get_secret_value()
    assert first.db.db_type == "sqlite"
    assert first.database_url == f"sqlite:///{tmp_path / 'data' / 'yarrow.db'}"
    secret_file = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert first.sandbox.code_execution_api_key.get_secret_value()


def test_embedded_mode_respects_explicit_settings(tmp_path: Path) -> None:
    settings = load_settings(
        embedded=True,
        environ={"YARROW_DATA_DIR": str(tmp_path), "DB_TYPE": "mysql", "SECRET_KEY": "k" * 20},
    )
    assert settings.db.db_type == "mysql"
    assert settings.core.secret_key.get_secret_value() == "k" * 20


@pytest.mark.parametrize(
    "key, fragment",
    [
        ("", "SECRET_KEY is not set"),
        ("sk-9f73s3ljTXVcMT3Blb3ljTqtsKiGHXVcMT3BlbkFJLK7U", "published placeholder"),
        ("difyai123456", "published placeholder"),
        ("short", "too short"),
    ],
)
def test_production_refuses_missing_or_placeholder_keys(key: str, fragment: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(embedded=False, environ={"SECRET_KEY": key})
    assert fragment in caught.value.message
    assert "openssl rand" in caught.value.message  # says how to fix it


def test_production_refuses_the_dify_sandbox_key() -> None:
    with pytest.raises(ConfigurationError, match="CODE_EXECUTION_API_KEY"):
        load_settings(
            embedded=False,
            environ={"SECRET_KEY": "x" * 32, "CODE_EXECUTION_API_KEY": "dify-sandbox"},
        )


def test_invalid_values_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="db_port"):
        load_settings(embedded=False, environ={"SECRET_KEY": "x" * 32, "DB_PORT": "many"})
    with pytest.raises(ConfigurationError):
        load_settings(embedded=False, environ={"SECRET_KEY": "x" * 32, "DB_TYPE": "oracle"})


def test_redacted_view_hides_every_secret() -> None:
    settings = load_settings(
        embedded=False,
        environ={
            "SECRET_KEY": "top-secret-value-123456-padded-to-32",
            "DB_PASSWORD": "db-pass-999",
            "S3_SECRET_KEY": "s3-secret-888",
            "REDIS_PASSWORD": "redis-pass-777",
        },
    )
    text = repr(settings.redacted())
    for secret in (
        "top-secret-value-123456-padded-to-32",
        "db-pass-999",
        "s3-secret-888",
        "redis-pass-777",
    ):
        assert secret not in text
    assert settings.redacted()["db"]["DB_PASSWORD"] == "********"
