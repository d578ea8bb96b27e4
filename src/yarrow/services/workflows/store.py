"""SQL for workflow drafts, published versions, runs, node executions and chatflow variables.

Every query is scoped by app (and the app by its tenant, checked by the caller). A draft save
names the ``revision`` it was based on; a stale one is a ``Conflict`` (409), so two editors never
overwrite each other silently. Published versions are never changed after they are written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from yarrow.db.base import utcnow
from yarrow.db.engine import Database
from yarrow.db.models import (
    App,
    EndUser,
    Workflow,
    WorkflowConversationState,
    WorkflowNodeExecution,
    WorkflowRun,
)
from yarrow.db.models.workflows import DRAFT_VERSION
from yarrow.errors import Conflict, NotFound

NOT_FOUND_RUN = "Workflow run not found."


def dumps(value: Any) -> str:
    """Compact JSON for a text column (non-JSON values become strings)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class LogFilter:
    """Filters of ``GET /v1/workflows/logs``."""

    status: str | None = None
    keyword: str | None = None
    created_at_before: datetime | None = None
    created_at_after: datetime | None = None
    end_user_session_id: str | None = None


@dataclass(frozen=True)
class RunPage:
    """One page of runs with the end user who started each (or ``None``)."""

    rows: list[tuple[WorkflowRun, EndUser | None]]
    page: int
    limit: int
    total: int

    @property
    def has_more(self) -> bool:
        return self.page * self.limit < self.total


class WorkflowStore:
    """Persistence of workflow apps."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # --- drafts and versions ------------------------------------------------------------------

    def draft(self, app_id: str) -> Workflow | None:
        """The draft of an app, or ``None`` when none was ever saved."""
        with self._db.session() as session:
            return session.scalar(
                select(Workflow).where(Workflow.app_id == app_id, Workflow.version == DRAFT_VERSION)
            )

    def save_draft(
        self, app: App, content: dict[str, Any], *, revision: int | None, account_id: str | None
    ) -> Workflow:
        """Create or replace the draft; ``revision`` must equal the stored one (409 otherwise).

        ``revision=None`` only creates: it conflicts with an existing draft.
        """
        data = dumps(content)
        with self._db.transaction() as session:
            row = session.scalar(
                select(Workflow).where(Workflow.app_id == app.id, Workflow.version == DRAFT_VERSION)
            )
            if row is None:
                row = Workflow(
                    tenant_id=app.tenant_id,
                    app_id=app.id,
                    type=app.mode,
                    version=DRAFT_VERSION,
                    graph=data,
                    revision=1,
                    created_by=account_id,
                    updated_by=account_id,
                )
                session.add(row)
                session.flush()
                return row
            if revision is None or revision != row.revision:
                raise Conflict(
                    "The workflow draft was changed by someone else; reload it and retry.",
                    code="draft_workflow_not_sync",
                )
            changed = session.execute(
                update(Workflow)
                .where(Workflow.id == row.id, Workflow.revision == revision)
                .values(
                    graph=data, revision=revision + 1, updated_by=account_id, updated_at=utcnow()
                )
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                raise Conflict(
                    "The workflow draft was changed by someone else; reload it and retry.",
                    code="draft_workflow_not_sync",
                )
            session.refresh(row)
            return row

    def publish(
        self, app_id: str, *, account_id: str | None, name: str = "", comment: str = ""
    ) -> Workflow:
        """Copy the draft into a new immutable version (named by its creation time)."""
        with self._db.transaction() as session:
            draft = session.scalar(
                select(Workflow).where(Workflow.app_id == app_id, Workflow.version == DRAFT_VERSION)
            )
            if draft is None:
                raise NotFound("Workflow draft not found.", code="draft_workflow_not_exist")
            now = utcnow()
            row = Workflow(
                tenant_id=draft.tenant_id,
                app_id=app_id,
                type=draft.type,
                version=now.strftime("%Y-%m-%d %H:%M:%S.%f"),
                graph=draft.graph,
                revision=draft.revision,
                marked_name=name[:255],
                marked_comment=comment[:255],
                created_by=account_id,
                updated_by=account_id,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            return row

    def published(self, app_id: str) -> Workflow | None:
        """The newest published version of an app."""
        with self._db.session() as session:
            return session.scalar(
                select(Workflow)
                .where(Workflow.app_id == app_id, Workflow.version != DRAFT_VERSION)
                .order_by(Workflow.created_at.desc(), Workflow.id.desc())
                .limit(1)
            )

    def version(self, app_id: str, workflow_id: str) -> Workflow:
        """One version (or the draft) of an app by id, else 404."""
        with self._db.session() as session:
            row = session.scalar(
                select(Workflow).where(Workflow.app_id == app_id, Workflow.id == workflow_id)
            )
        if row is None:
            raise NotFound("Workflow not found.", code="workflow_not_found")
        return row

    def versions(self, app_id: str, *, page: int, limit: int) -> tuple[list[Workflow], bool]:
        """Published versions, newest first."""
        with self._db.session() as session:
            rows = list(
                session.scalars(
                    select(Workflow)
                    .where(Workflow.app_id == app_id, Workflow.version != DRAFT_VERSION)
                    .order_by(Workflow.created_at.desc(), Workflow.id.desc())
                    .offset((page - 1) * limit)
                    .limit(limit + 1)
                )
            )
        return rows[:limit], len(rows) > limit

    # --- runs -----------------------------------------------------------------------------

    def start_run(self, run: WorkflowRun) -> None:
        """Record a run as ``running`` before its first event."""
        with self._db.transaction() as session:
            session.add(run)

    def finish_run(
        self, run_id: str, nodes: Sequence[WorkflowNodeExecution], **values: Any
    ) -> None:
        """Record a run's outcome and its node executions in one transaction."""
        with self._db.transaction() as session:
            session.execute(update(WorkflowRun).where(WorkflowRun.id == run_id).values(**values))
            session.add_all(nodes)

    def run(self, app_id: str, run_id: str) -> WorkflowRun:
        """A run of this app, or 404."""
        with self._db.session() as session:
            row = session.scalar(
                select(WorkflowRun).where(WorkflowRun.id == run_id, WorkflowRun.app_id == app_id)
            )
        if row is None:
            raise NotFound(NOT_FOUND_RUN, code="not_found")
        return row

    def node_executions(self, run_id: str) -> list[WorkflowNodeExecution]:
        """Node executions of a run in execution order."""
        with self._db.session() as session:
            return list(
                session.scalars(
                    select(WorkflowNodeExecution)
                    .where(WorkflowNodeExecution.workflow_run_id == run_id)
                    .order_by(WorkflowNodeExecution.index, WorkflowNodeExecution.created_at)
                )
            )

    def runs(
        self, app_id: str, filters: LogFilter, *, page: int, limit: int, source: str | None = None
    ) -> RunPage:
        """Runs of an app, newest first, filtered as Dify's workflow logs."""
        query = (
            select(WorkflowRun, EndUser)
            .outerjoin(EndUser, EndUser.id == WorkflowRun.created_by)
            .where(WorkflowRun.app_id == app_id)
        )
        if source is not None:
            query = query.where(WorkflowRun.triggered_from == source)
        if filters.status:
            query = query.where(WorkflowRun.status == filters.status)
        if filters.keyword:
            pattern = f"%{filters.keyword}%"
            query = query.where(
                WorkflowRun.inputs.like(pattern) | WorkflowRun.outputs.like(pattern)
            )
        if filters.created_at_before is not None:
            query = query.where(WorkflowRun.created_at <= filters.created_at_before)
        if filters.created_at_after is not None:
            query = query.where(WorkflowRun.created_at >= filters.created_at_after)
        if filters.end_user_session_id:
            query = query.where(EndUser.session_id == filters.end_user_session_id)
        with self._db.session() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.execute(
                query.order_by(WorkflowRun.created_at.desc(), WorkflowRun.id.desc())
                .offset((page - 1) * limit)
                .limit(limit)
            ).all()
        return RunPage([(r, u) for r, u in rows], page, limit, int(total))

    # --- chatflow conversation variables ----------------------------------------------------

    def conversation_variables(self, conversation_id: str) -> dict[str, Any] | None:
        """Stored conversation variables, or ``None`` for a new conversation."""
        with self._db.session() as session:
            row = session.scalar(
                select(WorkflowConversationState).where(
                    WorkflowConversationState.conversation_id == conversation_id
                )
            )
        return dict(json.loads(row.variables)) if row is not None else None

    def save_conversation_variables(
        self, app_id: str, conversation_id: str, values: dict[str, Any]
    ) -> None:
        """Replace the conversation variables of a conversation."""
        with self._db.transaction() as session:
            row = session.scalar(
                select(WorkflowConversationState).where(
                    WorkflowConversationState.conversation_id == conversation_id
                )
            )
            if row is None:
                session.add(
                    WorkflowConversationState(
                        conversation_id=conversation_id, app_id=app_id, variables=dumps(values)
                    )
                )
            else:
                row.variables = dumps(values)
