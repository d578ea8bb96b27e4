"""A migrated SQLite database and a task registry per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from yarrow.db.engine import Database, create_database
from yarrow.db.migrate import upgrade_to_head
from yarrow.tasks import InProcessTaskQueue, TaskRegistry, TaskStore


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = create_database(f"sqlite:///{tmp_path / 'tasks.db'}")
    upgrade_to_head(db)
    yield db
    db.dispose()


@pytest.fixture
def store(database: Database) -> TaskStore:
    return TaskStore(database)


@pytest.fixture
def registry() -> TaskRegistry:
    return TaskRegistry()


@pytest.fixture
def queue(registry: TaskRegistry, store: TaskStore) -> InProcessTaskQueue:
    return InProcessTaskQueue(registry, store, default_time_limit=60)
