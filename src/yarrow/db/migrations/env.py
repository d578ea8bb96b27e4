"""Alembic environment: runs online against the engine handed over by ``yarrow.db.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

import yarrow.db.models  # noqa: F401  (registers every table)
from yarrow.db.base import Base

engine: Engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
