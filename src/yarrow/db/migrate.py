"""Schema migrations with Alembic, safe to run from several processes at once.

``upgrade_to_head`` takes a database-wide lock (PostgreSQL advisory lock, MySQL ``GET_LOCK``, a file
lock beside a SQLite database), upgrades, then verifies the revision. A process that waited for the
lock finds the schema current and only verifies it.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from yarrow.db.engine import Database
from yarrow.errors import ConfigurationError, UpstreamUnavailable

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x59415252  # "YARR"
_LOCK_TIMEOUT_SECONDS = 300


def alembic_config(database: Database) -> Config:
    """An Alembic config pointing at our migrations and at ``database``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = database.engine
    return config


def head_revision() -> str:
    """The newest revision shipped with this version of Yarrow."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    if head is None:  # pragma: no cover - we always ship migrations
        raise ConfigurationError("No migrations found.")
    return head


def current_revision(database: Database) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_current(database: Database) -> bool:
    """True when the database schema is at the shipped head."""
    return current_revision(database) == head_revision()


def upgrade_to_head(database: Database) -> str:
    """Upgrade under a database-wide lock and return the verified revision.

    Raises:
        UpstreamUnavailable: the lock could not be taken in time.
        ConfigurationError: after upgrading, the revision is not the shipped head.
    """
    with _migration_lock(database):
        if not is_current(database):
            command.upgrade(alembic_config(database), "head")
    revision = current_revision(database)
    if revision != head_revision():
        raise ConfigurationError(f"Database is at revision {revision}, expected {head_revision()}.")
    return revision


@contextmanager
def _migration_lock(database: Database) -> Iterator[None]:
    dialect = database.dialect
    if dialect == "sqlite":
        with _file_lock(database):
            yield
        return
    with database.engine.connect() as connection:
        _acquire(connection, dialect)
        try:
            yield
        finally:
            _release(connection, dialect)


def _acquire(connection: Connection, dialect: str) -> None:
    if dialect == "postgresql":
        connection.execute(text(f"SET lock_timeout = '{_LOCK_TIMEOUT_SECONDS}s'"))
        connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
    else:
        got = connection.execute(
            text("SELECT GET_LOCK('yarrow_migrate', :t)"), {"t": _LOCK_TIMEOUT_SECONDS}
        ).scalar()
        if got != 1:
            raise UpstreamUnavailable("Timed out waiting for another migration to finish.")
    connection.commit()


def _release(connection: Connection, dialect: str) -> None:
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
    else:
        connection.execute(text("SELECT RELEASE_LOCK('yarrow_migrate')"))
    connection.commit()


@contextmanager
def _file_lock(database: Database) -> Iterator[None]:
    path = database.engine.url.database
    if not path or path == ":memory:":
        yield
        return
    lock_path = Path(path).with_suffix(Path(path).suffix + ".migrate-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
