"""Relational database settings (Dify §3.3 names) and the SQLAlchemy URL built from them."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote_plus

from pydantic import Field, SecretStr

from yarrow.settings.base import SettingsGroup


class DatabaseSettings(SettingsGroup):
    """Which database, where, and how the connection pool behaves."""

    db_type: Literal["postgresql", "mysql", "sqlite", "oceanbase", "seekdb"] = Field(
        default="postgresql", description="postgresql, mysql or sqlite (embedded mode)."
    )
    db_host: str = Field(default="localhost", description="Database host.")
    db_port: int = Field(default=5432, ge=1, le=65535, description="Database port.")
    db_username: str = Field(default="postgres", description="Database user.")
    db_password: SecretStr = Field(default=SecretStr(""), description="Database password.")
    db_database: str = Field(default="dify", description="Database name.")
    db_charset: str = Field(default="", description="client_encoding / charset.")
    db_extras: str = Field(default="", description="Extra URI query options.")
    sqlalchemy_pool_size: int = Field(default=30, ge=1, description="Pool size.")
    sqlalchemy_max_overflow: int = Field(default=10, ge=0, description="Pool overflow.")
    sqlalchemy_pool_recycle: int = Field(default=3600, description="Recycle connections (s).")
    sqlalchemy_pool_pre_ping: bool = Field(
        default=True, description="Test connections before use (survives database restarts)."
    )
    sqlalchemy_pool_timeout: int = Field(default=30, ge=1, description="Pool checkout timeout.")
    sqlalchemy_echo: bool = Field(default=False, description="Log every SQL statement.")
    yarrow_sqlite_path: str = Field(
        default="", description="SQLite file; empty means <data dir>/yarrow.db."
    )

    def url(self, sqlite_default_path: str = "yarrow.db") -> str:
        """The SQLAlchemy URL for these settings."""
        if self.db_type == "sqlite":
            return f"sqlite:///{self.yarrow_sqlite_path or sqlite_default_path}"
        user = quote_plus(self.db_username)
        password = quote_plus(self.db_password.get_secret_value())
        auth = f"{user}:{password}" if password else user
        driver = "postgresql+psycopg" if self.db_type == "postgresql" else "mysql+pymysql"
        query = []
        if self.db_type != "postgresql":
            query.append(f"charset={self.db_charset or 'utf8mb4'}")
        elif self.db_charset:
            query.append(f"client_encoding={self.db_charset}")
        if self.db_extras:
            query.append(self.db_extras)
        suffix = ("?" + "&".join(query)) if query else ""
        return f"{driver}://{auth}@{self.db_host}:{self.db_port}/{self.db_database}{suffix}"
