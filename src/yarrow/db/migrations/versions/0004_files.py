"""upload files

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 03:22:11.290441
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upload_files",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("app_id", sa.String(length=36), nullable=True),
        sa.Column("storage_key", sa.String(length=512), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("extension", sa.String(length=32), nullable=False),
        sa.Column("mime_type", sa.String(length=255), nullable=False),
        sa.Column("created_by_role", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column(
            "created_at",
            TIMESTAMP,
            nullable=False,
        ),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_upload_files_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_files")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_upload_files_storage_key")),
    )
    with op.batch_alter_table("upload_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_upload_files_app_id"), ["app_id"], unique=False)
        batch_op.create_index(
            "ix_upload_files_tenant_created", ["tenant_id", "created_at"], unique=False
        )


def downgrade() -> None:
    # dropping a table drops its indexes (MySQL refuses to drop an index a foreign key uses)
    op.drop_table("upload_files")
