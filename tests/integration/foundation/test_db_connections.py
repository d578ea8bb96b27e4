"""The connection pool survives dropped connections; the schema matches the models."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from yarrow.entrypoints.wiring import Process, open_database


def test_pool_survives_connections_killed_by_the_server(process: Process) -> None:
    """Pre-ping replaces connections the database dropped (as after a restart)."""
    database = process.database
    with database.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    if database.dialect == "sqlite":
        pytest.skip("SQLite has no server connections to lose")
    admin = open_database(process.settings)
    try:
        with admin.engine.connect() as connection:
            if database.dialect == "postgresql":
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            else:
                ids = (
                    connection.execute(
                        text(
                            "SELECT id FROM information_schema.processlist "
                            "WHERE db = DATABASE() AND id <> CONNECTION_ID()"
                        )
                    )
                    .scalars()
                    .all()
                )
                for conn_id in ids:
                    connection.execute(text(f"KILL {int(conn_id)}"))
    finally:
        admin.dispose()
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1


def test_migrations_match_the_models(process: Process) -> None:
    """The migrated schema is exactly what the SQLAlchemy models describe."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import yarrow.db.models  # noqa: F401 - registers every table
    from yarrow.db.base import Base

    with process.database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
