"""Workspace model-provider credentials (encrypted) and default models per model type."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yarrow.db.base import Base, IdMixin, TimestampMixin


class ProviderCredential(IdMixin, TimestampMixin, Base):
    """One provider's credentials in one workspace, encrypted with a key derived from SECRET_KEY."""

    __tablename__ = "provider_credentials"
    __table_args__ = (UniqueConstraint("tenant_id", "provider"),)

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    provider: Mapped[str] = mapped_column(String(64), nullable=False)
    encrypted_config: Mapped[str] = mapped_column(Text, nullable=False)


class DefaultModel(IdMixin, TimestampMixin, Base):
    """The workspace's default model for one model type (Dify's "system model settings")."""

    __tablename__ = "tenant_default_models"
    __table_args__ = (UniqueConstraint("tenant_id", "model_type"),)

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    model_type: Mapped[str] = mapped_column(String(32), nullable=False)
    provider: Mapped[str] = mapped_column(String(64), nullable=False)
    model: Mapped[str] = mapped_column(String(255), nullable=False)
