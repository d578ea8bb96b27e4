"""task records and periodic schedule runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_records",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("runner", sa.String(length=16), nullable=False),
        sa.Column("args", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_retries", sa.Integer(), nullable=False),
        sa.Column("time_limit", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("run_after", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("deadline_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("worker", sa.String(length=255), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_records")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_task_records_idempotency_key")),
    )
    with op.batch_alter_table("task_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_task_records_status_finished_at", ["status", "finished_at"], unique=False
        )
        batch_op.create_index(
            "ix_task_records_status_run_after", ["status", "run_after"], unique=False
        )
    op.create_table(
        "task_schedule_runs",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("last_run_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_task_schedule_runs")),
    )


def downgrade() -> None:
    # dropping a table drops its indexes (MySQL refuses to drop an index a foreign key uses)
    op.drop_table("task_schedule_runs")
    op.drop_table("task_records")
