"""Accounts, workspaces (tenants), memberships, invitations, sessions and login throttling."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yarrow.db.base import Base, IdMixin, Timestamp, TimestampMixin, utcnow

#: Dify's workspace roles, most powerful first.
ROLES: tuple[str, ...] = ("owner", "admin", "editor", "normal", "dataset_operator")


class Tenant(IdMixin, TimestampMixin, Base):
    """A workspace: the unit of isolation for apps, keys, datasets and members."""

    __tablename__ = "tenants"

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[str] = mapped_column(String(32), default="normal", nullable=False)
    plan: Mapped[str] = mapped_column(String(32), default="basic", nullable=False)


class Account(IdMixin, TimestampMixin, Base):
    """A person who signs in to the console."""

    __tablename__ = "accounts"

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    email: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32), default="active", nullable=False)
    interface_language: Mapped[str] = mapped_column(String(32), default="en-US", nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(Timestamp)


class TenantMember(IdMixin, TimestampMixin, Base):
    """An account's membership and role in a workspace."""

    __tablename__ = "tenant_account_joins"
    __table_args__ = (UniqueConstraint("tenant_id", "account_id"),)

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    current: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    invited_by: Mapped[str | None] = mapped_column(String(36))


class Invitation(IdMixin, Base):
    """A pending invitation of an email address to a workspace; the token is stored hashed."""

    __tablename__ = "invitations"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    email: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    inviter_id: Mapped[str] = mapped_column(String(36), nullable=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(Timestamp, nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(Timestamp)


class AccountSession(IdMixin, Base):
    """A signed-in session: its refresh token (hashed) and whether it was revoked."""

    __tablename__ = "account_sessions"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    refresh_token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(Timestamp, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)


class LoginThrottle(Base):
    """Failed sign-in counter per key (an email or a client address)."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    window_started_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
    locked_until: Mapped[datetime | None] = mapped_column(Timestamp)


class Setup(Base):
    """One row once first-run setup has completed."""

    __tablename__ = "setups"

    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    setup_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
