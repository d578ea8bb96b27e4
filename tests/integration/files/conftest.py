"""File routes over SQLite and PostgreSQL with small upload limits."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import temporary_database
from tests.integration.chat.conftest import (  # noqa: F401 - fixtures re-used here
    configured,
    upstream,
)
from tests.integration.foundation.conftest import (  # noqa: F401 - fixtures re-used here
    clean_tables,
    client,
    owner,
    process,
)
from yarrow.settings import Settings, load_settings


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    with temporary_database(request.param, Path(tmp_path_factory.mktemp("sqlite"))) as env:
        yield env


@pytest.fixture(scope="session")
def settings(db_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(
        embedded=False,
        environ={
            **db_env,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "YARROW_DATA_DIR": str(tmp_path_factory.mktemp("data")),
            "UPLOAD_FILE_SIZE_LIMIT": "1",
            "UPLOAD_IMAGE_FILE_SIZE_LIMIT": "1",
            "YARROW_MAX_REQUEST_BODY_MB": "8",
            "FILES_URL": "http://testserver",
            # a loopback address the tests treat as public, for remote uploads
            "YARROW_SSRF_ALLOWED_NETWORKS": "127.0.0.2/32",
        },
    )
