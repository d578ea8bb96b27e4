"""`yarrow migrate` from an empty database: idempotent, and safe to run concurrently."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from tests.databases import BACKENDS, temporary_database
from yarrow.db.migrate import current_revision, head_revision, upgrade_to_head
from yarrow.entrypoints.wiring import open_database
from yarrow.settings import load_settings

YARROW = [sys.executable, "-m", "yarrow.entrypoints.cli"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_migrate_runs_once_and_all_verify(backend: str, tmp_path: Path) -> None:
    with temporary_database(backend, tmp_path) as db_env:
        env = {
            **os.environ,
            **db_env,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "YARROW_DATA_DIR": str(tmp_path / "data"),
        }
        runs = [
            subprocess.Popen(
                [*YARROW, "migrate"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        outputs = [run.communicate(timeout=120) for run in runs]
        for run, (out, err) in zip(runs, outputs, strict=True):
            assert run.returncode == 0, err
            assert f"database at revision {head_revision()}" in out
        settings = load_settings(embedded=False, environ=env)
        database = open_database(settings)
        try:
            assert current_revision(database) == head_revision()
            tables = set(inspect(database.engine).get_table_names())
            assert {"accounts", "tenants", "apps", "api_tokens", "alembic_version"} <= tables
            assert upgrade_to_head(database) == head_revision()  # idempotent
        finally:
            database.dispose()


def test_cli_module_entry_runs() -> None:
    done = subprocess.run([*YARROW, "--help"], capture_output=True, text=True, check=True)
    for command in ("serve", "api", "migrate", "setup", "apps", "keys", "config"):
        assert command in done.stdout


@pytest.mark.parametrize("backend", BACKENDS)
def test_downgrade_to_base_and_back(backend: str, tmp_path: Path) -> None:
    """Every migration can be undone and redone on every database."""
    from alembic import command

    from yarrow.db.migrate import alembic_config

    with temporary_database(backend, tmp_path) as db_env:
        settings = load_settings(
            embedded=False,
            environ={
                **db_env,
                "SECRET_KEY": secrets.token_urlsafe(32),
                "YARROW_DATA_DIR": str(tmp_path / "data"),
            },
        )
        database = open_database(settings)
        try:
            upgrade_to_head(database)
            command.downgrade(alembic_config(database), "base")
            assert current_revision(database) is None
            assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
            assert upgrade_to_head(database) == head_revision()
        finally:
            database.dispose()
