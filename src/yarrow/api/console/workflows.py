"""Console routes of workflow apps: draft, publish, versions, restore, debug runs, run history.

The draft is saved with optimistic concurrency: a save names the ``revision`` it edited, and a
stale one is answered 409 ``draft_workflow_not_sync``. Secret environment values come back masked.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from yarrow.api.deps import CurrentActor, ServicesDep
from yarrow.db.base import unix_seconds
from yarrow.db.models import App, Workflow, WorkflowNodeExecution
from yarrow.services.permissions import Action, Actor
from yarrow.services.workflows.definitions import masked
from yarrow.services.workflows.running import run_json
from yarrow.services.workflows.store import LogFilter

router = APIRouter()


class DraftBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    graph: dict[str, Any]
    features: dict[str, Any] = Field(default_factory=dict)
    environment_variables: list[dict[str, Any]] = Field(default_factory=list)
    conversation_variables: list[dict[str, Any]] = Field(default_factory=list)
    revision: int | None = None


class PublishBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    marked_name: str = Field(default="", max_length=255)
    marked_comment: str = Field(default="", max_length=255)


class NodeRunBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    inputs: dict[str, Any] = Field(default_factory=dict)


def _app(actor: Actor, app_id: str, services: ServicesDep, *, edit: bool = False) -> App:
    if edit:
        actor.require(Action.EDIT_APPS)
    return services.apps.get(actor, app_id).app


def workflow_json(row: Workflow) -> dict[str, Any]:
    """A draft or version, secrets masked."""
    return {
        "id": row.id,
        "version": row.version,
        "revision": row.revision,
        **masked(json.loads(row.graph)),
        "marked_name": row.marked_name,
        "marked_comment": row.marked_comment,
        "created_by": row.created_by,
        "created_at": unix_seconds(row.created_at),
        "updated_by": row.updated_by,
        "updated_at": unix_seconds(row.updated_at),
    }


def node_json(node: WorkflowNodeExecution) -> dict[str, Any]:
    return {
        "id": node.id,
        "index": node.index,
        "predecessor_node_id": node.predecessor_node_id,
        "node_id": node.node_id,
        "node_type": node.node_type,
        "title": node.title,
        "inputs": json.loads(node.inputs),
        "process_data": json.loads(node.process_data),
        "outputs": json.loads(node.outputs),
        "status": node.status,
        "error": node.error,
        "elapsed_time": node.elapsed_time,
        "execution_metadata": json.loads(node.execution_metadata),
        "created_at": unix_seconds(node.created_at),
        "finished_at": unix_seconds(node.finished_at),
    }


@router.get("/apps/{app_id}/workflows/draft")
def get_draft(app_id: str, actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """The draft graph with its ``revision``."""
    app = _app(actor, app_id, services)
    return workflow_json(services.workflows.definitions.draft(app))


@router.post("/apps/{app_id}/workflows/draft")
def save_draft(
    app_id: str, body: DraftBody, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """Save the draft; 409 when ``revision`` is not the stored one."""
    app = _app(actor, app_id, services, edit=True)
    content = body.model_dump(exclude={"revision"})
    row = services.workflows.definitions.save_draft(
        app, content, revision=body.revision, account_id=actor.account_id
    )
    return {
        "result": "success",
        "revision": row.revision,
        "updated_at": unix_seconds(row.updated_at),
    }


@router.post("/apps/{app_id}/workflows/publish")
def publish(
    app_id: str, body: PublishBody, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """Publish the draft as a new immutable version that the Service API runs."""
    app = _app(actor, app_id, services, edit=True)
    row = services.workflows.definitions.publish(
        app, account_id=actor.account_id, name=body.marked_name, comment=body.marked_comment
    )
    return {
        "result": "success",
        "id": row.id,
        "version": row.version,
        "created_at": unix_seconds(row.created_at),
    }


@router.get("/apps/{app_id}/workflows")
def versions(
    app_id: str,
    actor: CurrentActor,
    services: ServicesDep,
    page: Annotated[int, Query(ge=1, le=99999)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Published versions, newest first."""
    app = _app(actor, app_id, services)
    services.workflows.definitions.check_app(app)
    rows, has_more = services.workflows.store.versions(app.id, page=page, limit=limit)
    return {
        "items": [workflow_json(r) for r in rows],
        "page": page,
        "limit": limit,
        "has_more": has_more,
    }


@router.post("/apps/{app_id}/workflows/{workflow_id}/restore")
def restore(
    app_id: str, workflow_id: str, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """Copy a published version into the draft."""
    app = _app(actor, app_id, services, edit=True)
    row = services.workflows.definitions.restore(app, workflow_id, account_id=actor.account_id)
    return workflow_json(row)


@router.get("/apps/{app_id}/workflow-runs")
def runs(
    app_id: str,
    actor: CurrentActor,
    services: ServicesDep,
    page: Annotated[int, Query(ge=1, le=99999)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    status: Annotated[str | None, Query(max_length=32)] = None,
) -> dict[str, Any]:
    """Run history, newest first."""
    app = _app(actor, app_id, services)
    services.workflows.definitions.check_app(app)
    found = services.workflows.store.runs(app.id, LogFilter(status=status), page=page, limit=limit)
    return {
        "data": [
            {**run_json(r), "version": r.version, "triggered_from": r.triggered_from}
            for r, _ in found.rows
        ],
        "page": found.page,
        "limit": found.limit,
        "total": found.total,
        "has_more": found.has_more,
    }


@router.get("/apps/{app_id}/workflow-runs/{run_id}")
def run_detail(
    app_id: str, run_id: str, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """One run with its node executions."""
    app = _app(actor, app_id, services)
    run = services.workflows.store.run(app.id, run_id)
    nodes = services.workflows.store.node_executions(run.id)
    return {**run_json(run), "node_executions": [node_json(n) for n in nodes]}


@router.post("/apps/{app_id}/workflows/draft/nodes/{node_id}/run")
async def run_node(
    app_id: str, node_id: str, body: NodeRunBody, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """Debug-run one node of the draft with the given variables (``"node_id.name": value``)."""
    app = _app(actor, app_id, services, edit=True)
    return await services.workflows.runner.run_draft_node(app, node_id, body.inputs)
