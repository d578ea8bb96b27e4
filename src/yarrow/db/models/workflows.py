"""Workflow graphs (draft and published versions), runs, node executions, chatflow state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yarrow.db.base import Base, IdMixin, Timestamp, TimestampMixin, utcnow

DRAFT_VERSION = "draft"


class Workflow(IdMixin, TimestampMixin, Base):
    """One graph of an app: the draft (``version == "draft"``) or an immutable published version.

    ``graph`` holds JSON ``{graph, features, environment_variables, conversation_variables}``.
    ``revision`` counts draft saves, for optimistic concurrency.
    """

    __tablename__ = "workflows"
    __table_args__ = (
        UniqueConstraint("app_id", "version"),
        Index("ix_workflows_app_created", "app_id", "created_at"),
    )

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    version: Mapped[str] = mapped_column(String(64), nullable=False)
    graph: Mapped[str] = mapped_column(Text, nullable=False)
    revision: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    marked_name: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    marked_comment: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(36))
    updated_by: Mapped[str | None] = mapped_column(String(36))


class WorkflowRun(IdMixin, Base):
    """One execution of a workflow version, with its inputs, outputs and totals."""

    __tablename__ = "workflow_runs"
    __table_args__ = (Index("ix_workflow_runs_app_created", "app_id", "created_at"),)

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), nullable=False)
    workflow_id: Mapped[str] = mapped_column(String(36), nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    triggered_from: Mapped[str] = mapped_column(String(32), nullable=False)
    version: Mapped[str] = mapped_column(String(64), nullable=False)
    task_id: Mapped[str] = mapped_column(String(36), nullable=False)
    inputs: Mapped[str] = mapped_column(Text, default="{}", nullable=False)
    status: Mapped[str] = mapped_column(String(32), default="running", nullable=False)
    outputs: Mapped[str] = mapped_column(Text, default="{}", nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    elapsed_time: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    total_tokens: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    total_steps: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    exceptions_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_by_role: Mapped[str] = mapped_column(String(16), nullable=False)
    created_by: Mapped[str] = mapped_column(String(36), nullable=False)
    conversation_id: Mapped[str | None] = mapped_column(String(36))
    message_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)


class WorkflowNodeExecution(IdMixin, Base):
    """One node run of a workflow run (inputs, outputs, timings, token usage)."""

    __tablename__ = "workflow_node_executions"
    __table_args__ = (Index("ix_workflow_node_executions_run", "workflow_run_id", "index"),)

    tenant_id: Mapped[str] = mapped_column(String(36), nullable=False)
    app_id: Mapped[str] = mapped_column(String(36), nullable=False)
    workflow_id: Mapped[str] = mapped_column(String(36), nullable=False)
    workflow_run_id: Mapped[str | None] = mapped_column(
        ForeignKey("workflow_runs.id", ondelete="CASCADE")
    )
    index: Mapped[int] = mapped_column(Integer, nullable=False)
    predecessor_node_id: Mapped[str | None] = mapped_column(String(255))
    node_id: Mapped[str] = mapped_column(String(255), nullable=False)
    node_type: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    inputs: Mapped[str] = mapped_column(Text, default="{}", nullable=False)
    process_data: Mapped[str] = mapped_column(Text, default="{}", nullable=False)
    outputs: Mapped[str] = mapped_column(Text, default="{}", nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    elapsed_time: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    execution_metadata: Mapped[str] = mapped_column(Text, default="{}", nullable=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)


class WorkflowConversationState(IdMixin, TimestampMixin, Base):
    """The conversation variables of one chatflow conversation, as a JSON object."""

    __tablename__ = "workflow_conversation_states"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    app_id: Mapped[str] = mapped_column(String(36), nullable=False)
    variables: Mapped[str] = mapped_column(Text, default="{}", nullable=False)
