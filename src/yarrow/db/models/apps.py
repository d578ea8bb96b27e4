"""Apps, their public web-app sites, and API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yarrow.db.base import Base, IdMixin, Timestamp, TimestampMixin, utcnow

#: Dify's app modes.
APP_MODES: tuple[str, ...] = ("chat", "completion", "agent-chat", "advanced-chat", "workflow")


class App(IdMixin, TimestampMixin, Base):
    """An application of a workspace. Its configuration lives in later tables."""

    __tablename__ = "apps"
    __table_args__ = (Index("ix_apps_tenant_created", "tenant_id", "created_at"),)

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    mode: Mapped[str] = mapped_column(String(32), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    icon_type: Mapped[str] = mapped_column(String(16), default="emoji", nullable=False)
    icon: Mapped[str] = mapped_column(String(255), default="🤖", nullable=False)
    icon_background: Mapped[str] = mapped_column(String(16), default="#FFEAD5", nullable=False)
    status: Mapped[str] = mapped_column(String(32), default="normal", nullable=False)
    enable_site: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    enable_api: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(36))
    updated_by: Mapped[str | None] = mapped_column(String(36))


class Site(IdMixin, TimestampMixin, Base):
    """The public web app of an app, reached by its short ``code``."""

    __tablename__ = "sites"

    app_id: Mapped[str] = mapped_column(
        ForeignKey("apps.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    code: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    default_language: Mapped[str] = mapped_column(String(32), default="en-US", nullable=False)


class ApiToken(IdMixin, Base):
    """An API key: ``app`` keys belong to one app, ``dataset`` keys to a whole workspace.

    Only a SHA-256 of the key is stored; ``token_tail`` keeps its last characters for display.
    """

    __tablename__ = "api_tokens"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    app_id: Mapped[str | None] = mapped_column(
        ForeignKey("apps.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    token_tail: Mapped[str] = mapped_column(String(8), nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(Timestamp)
