"""Build settings, the database and services for one process. Only entrypoints call this."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from yarrow.db.engine import Database, create_database
from yarrow.services.container import Services, build_services
from yarrow.settings import Settings, is_database_configured, load_settings, read_environment
from yarrow.storage import build_storage


@dataclass
class Process:
    """What a process runs on."""

    settings: Settings
    database: Database
    services: Services


def load_for_cli(*, embedded: bool | None = None) -> Settings:
    """Settings for a CLI command: embedded unless the environment names a database."""
    environ = read_environment()
    if embedded is None:
        embedded = not is_database_configured(environ)
    return load_settings(embedded=embedded, environ=environ)


def open_database(settings: Settings) -> Database:
    """The database of ``settings`` with its pool configured."""
    if settings.db.db_type == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = settings.db
    return create_database(
        settings.database_url,
        pool_size=db.sqlalchemy_pool_size,
        max_overflow=db.sqlalchemy_max_overflow,
        pool_recycle=db.sqlalchemy_pool_recycle,
        pool_timeout=db.sqlalchemy_pool_timeout,
        pre_ping=db.sqlalchemy_pool_pre_ping,
        echo=db.sqlalchemy_echo,
    )


def build_process(settings: Settings, environ: Mapping[str, str] | None = None) -> Process:
    """Database, object storage and services for ``settings``.

    ``environ`` is the raw environment the settings came from (``OPENDAL_<SCHEME>_*`` options are
    read from it).
    """
    database = open_database(settings)
    storage = build_storage(
        settings.storage, environ=dict(environ or {}), data_dir=settings.data_dir
    )
    return Process(settings, database, build_services(settings, database, storage=storage))
