"""Throwaway databases on the machine's real PostgreSQL and MariaDB (and SQLite files).

Each test session creates its own uniquely named database and drops it at the end, so runs never
see each other's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get(
    "YARROW_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MYSQL_ADMIN_URL = os.environ.get(
    "YARROW_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/mysql?charset=utf8mb4"
)
BACKENDS = ("sqlite", "postgresql", "mysql")


def environ_for(backend: str, name: str, sqlite_dir: Path) -> dict[str, str]:
    """Dify-style variables pointing Yarrow at the test database ``name``."""
    if backend == "sqlite":
        return {"DB_TYPE": "sqlite", "YARROW_SQLITE_PATH": str(sqlite_dir / f"{name}.db")}
    if backend == "postgresql":
        return {
            "DB_TYPE": "postgresql",
            "DB_HOST": "127.0.0.1",
            "DB_PORT": "5432",
            "DB_USERNAME": "postgres",
            "DB_DATABASE": name,
        }
    return {
        "DB_TYPE": "mysql",
        "DB_HOST": "127.0.0.1",
        "DB_PORT": "3306",
        "DB_USERNAME": "root",
        "DB_DATABASE": name,
    }


@contextmanager
def temporary_database(backend: str, sqlite_dir: Path) -> Iterator[dict[str, str]]:
    """Create an empty database for ``backend`` and yield its environment; drop it afterwards."""
    name = f"yarrow_test_{uuid.uuid4().hex[:12]}"
    if backend == "sqlite":
        yield environ_for(backend, name, sqlite_dir)
        return
    admin_url = PG_ADMIN_URL if backend == "postgresql" else MYSQL_ADMIN_URL
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    create = (
        f'CREATE DATABASE "{name}"'
        if backend == "postgresql"
        else f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    )
    with admin.connect() as connection:
        connection.execute(text(create))
    try:
        yield environ_for(backend, name, sqlite_dir)
    finally:
        with admin.connect() as connection:
            if backend == "postgresql":
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :n AND pid <> pg_backend_pid()"
                    ),
                    {"n": name},
                )
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            else:
                connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()
