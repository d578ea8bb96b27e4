"""Declarative base, id and time helpers shared by every table.

Ids are UUID strings (36 characters), as in Dify's API. Times are stored as naive UTC datetimes and
leave the API as Unix seconds.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, String
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """A fresh UUID4 string."""
    return str(uuid.uuid4())


#: Naive UTC datetime with microseconds on every database (MySQL needs DATETIME(6) for that), so
#: rows created in the same second still sort in creation order.
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def utcnow() -> datetime:
    """Current UTC time, naive, with microseconds."""
    return datetime.now(UTC).replace(tzinfo=None)


def unix_seconds(value: datetime | None) -> int | None:
    """A naive-UTC datetime as integer Unix seconds (``None`` stays ``None``)."""
    if value is None:
        return None
    return int(value.replace(tzinfo=UTC).timestamp())


def iso_utc(value: datetime) -> str:
    """A naive-UTC datetime as an RFC 3339 string with ``+00:00``."""
    return value.replace(tzinfo=UTC).isoformat()


class Base(DeclarativeBase):
    """Base of all Yarrow tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    """A UUID string primary key."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)


class TimestampMixin:
    """``created_at`` and ``updated_at`` kept by the ORM."""

    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        Timestamp, default=utcnow, onupdate=utcnow, nullable=False
    )
