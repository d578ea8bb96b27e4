"""Uploaded files: the object in storage and who may read it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from yarrow.db.base import Base, IdMixin, Timestamp, utcnow


class UploadFile(IdMixin, Base):
    """A file uploaded by a console account or an end user of an app.

    Reads are allowed to the workspace (``tenant_id``) and, for end users, only to the same end
    user of the same app.
    """

    __tablename__ = "upload_files"
    __table_args__ = (Index("ix_upload_files_tenant_created", "tenant_id", "created_at"),)

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
    )
    app_id: Mapped[str | None] = mapped_column(String(36), index=True)
    storage_key: Mapped[str] = mapped_column(String(512), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    extension: Mapped[str] = mapped_column(String(32), nullable=False)
    mime_type: Mapped[str] = mapped_column(String(255), nullable=False)
    created_by_role: Mapped[str] = mapped_column(String(16), nullable=False)
    created_by: Mapped[str] = mapped_column(String(36), nullable=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
    used: Mapped[bool] = mapped_column(default=False, nullable=False)
