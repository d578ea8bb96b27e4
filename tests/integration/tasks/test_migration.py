"""Migration 0002 on SQLite, PostgreSQL and MariaDB: tables, unique keys, down and up again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from tests.databases import BACKENDS, temporary_database
from yarrow.db.migrate import alembic_config, current_revision, upgrade_to_head
from yarrow.entrypoints.wiring import open_database
from yarrow.settings import load_settings
from yarrow.tasks import InProcessTaskQueue, TaskRegistry, TaskStore


@pytest.mark.parametrize("backend", BACKENDS)
def test_tasks_migration_round_trip(backend: str, tmp_path: Path) -> None:
    with temporary_database(backend, tmp_path) as env:
        settings = load_settings(embedded=False, environ={**env, "SECRET_KEY": "x" * 32})
        database = open_database(settings)
        try:
            command.upgrade(alembic_config(database), "0002")
            tables = set(inspect(database.engine).get_table_names())
            assert {"task_records", "task_schedule_runs"} <= tables
            registry = TaskRegistry()
            registry.register("t.noop", lambda: None)
            queue = InProcessTaskQueue(registry, TaskStore(database), 60)
            # several NULL idempotency keys coexist; a repeated key returns the first task
            a, b = queue.enqueue("t.noop"), queue.enqueue("t.noop")
            assert a != b
            k1 = queue.enqueue("t.noop", {"x": "é" * 300}, idempotency_key="k" * 255)
            assert queue.enqueue("t.noop", idempotency_key="k" * 255) == k1
            assert queue.get(k1).args == {"x": "é" * 300}
            assert queue.store.claim_schedule("job", timedelta(hours=1))
            command.downgrade(alembic_config(database), "0001")
            assert "task_records" not in set(inspect(database.engine).get_table_names())
            assert current_revision(database) == "0001"
            upgrade_to_head(database)  # and on through later features' migrations
            assert "task_records" in set(inspect(database.engine).get_table_names())
        finally:
            database.dispose()
