"""Workflow app routes of the Service API (Dify's ``/v1/workflows/...``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from yarrow.api.deps import AppGrant, ServicesDep
from yarrow.api.sse import sse_response
from yarrow.db.base import unix_seconds
from yarrow.db.models import App
from yarrow.errors import InvalidInput
from yarrow.services.workflows.running import RunRequest, run_json
from yarrow.services.workflows.store import LogFilter

router = APIRouter()


class RunBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    inputs: dict[str, Any] | None = None
    user: str | None = Field(default=None, max_length=255)
    response_mode: Literal["streaming", "blocking"] | None = None
    files: list[dict[str, Any]] | None = None


class StopBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user: str | None = Field(default=None, max_length=255)


def _app(grant: AppGrant) -> App:
    assert grant.app is not None
    return grant.app


async def _run(
    body: RunBody, grant: AppGrant, services: ServicesDep, workflow_id: str | None
) -> Any:
    runner = services.workflows.runner
    request = RunRequest(
        user=body.user or "",
        inputs=body.inputs or {},
        files=tuple(body.files or ()),
        workflow_id=workflow_id,
    )
    prepared = await runner.prepare(_app(grant), request)
    if body.response_mode == "streaming":
        return sse_response(runner.events(prepared))
    return await runner.blocking(prepared)


@router.post("/workflows/run")
async def run_workflow(body: RunBody, grant: AppGrant, services: ServicesDep) -> Any:
    """Run the published workflow (blocking JSON or an SSE stream)."""
    return await _run(body, grant, services, None)


@router.post("/workflows/{workflow_id}/run")
async def run_workflow_version(
    workflow_id: str, body: RunBody, grant: AppGrant, services: ServicesDep
) -> Any:
    """Run one published version of the workflow."""
    return await _run(body, grant, services, workflow_id)


@router.get("/workflows/run/{workflow_run_id}")
def get_run(workflow_run_id: str, grant: AppGrant, services: ServicesDep) -> dict[str, Any]:
    """A run's status, inputs and outputs."""
    app = _app(grant)
    services.workflows.definitions.check_app(app)
    return run_json(services.workflows.store.run(app.id, workflow_run_id))


@router.get("/workflow/{workflow_run_id}/events")
async def run_events(
    workflow_run_id: str,
    grant: AppGrant,
    services: ServicesDep,
    user: Annotated[str | None, Query(max_length=255)] = None,
) -> Any:
    """Reattach to a run from any replica: its ``workflow_finished`` event once it has ended."""
    app = _app(grant)
    services.workflows.definitions.check_app(app)
    events = await services.workflows.runner.reattach(app, workflow_run_id, user)
    return sse_response(events)


@router.post("/workflows/tasks/{task_id}/stop")
def stop_run(task_id: str, body: StopBody, grant: AppGrant, services: ServicesDep) -> Any:
    """Stop a streaming run of this end user, on whichever replica runs it."""
    app = _app(grant)
    services.workflows.definitions.check_app(app)
    services.workflows.runner.stop(app, task_id, body.user)
    return {"result": "success"}


@router.get("/workflows/logs")
def logs(
    grant: AppGrant,
    services: ServicesDep,
    keyword: Annotated[str | None, Query(max_length=255)] = None,
    status: Annotated[Literal["succeeded", "failed", "stopped"] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=99999)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    created_at__before: Annotated[datetime | None, Query()] = None,
    created_at__after: Annotated[datetime | None, Query()] = None,
    created_by_end_user_session_id: Annotated[str | None, Query(max_length=255)] = None,
) -> dict[str, Any]:
    """Run logs of the app, newest first."""
    app = _app(grant)
    services.workflows.definitions.check_app(app)
    if created_at__before and created_at__after and created_at__before < created_at__after:
        raise InvalidInput("created_at__before must not be earlier than created_at__after.")
    filters = LogFilter(
        status=status,
        keyword=keyword,
        created_at_before=_naive(created_at__before),
        created_at_after=_naive(created_at__after),
        end_user_session_id=created_by_end_user_session_id,
    )
    found = services.workflows.store.runs(app.id, filters, page=page, limit=limit)
    data = []
    for run, end_user in found.rows:
        data.append(
            {
                "id": run.id,
                "workflow_run": {
                    "id": run.id,
                    "version": run.version,
                    "status": run.status,
                    "error": run.error,
                    "elapsed_time": run.elapsed_time,
                    "total_tokens": run.total_tokens,
                    "total_steps": run.total_steps,
                    "created_at": unix_seconds(run.created_at),
                    "finished_at": unix_seconds(run.finished_at),
                    "exceptions_count": run.exceptions_count,
                    "triggered_from": run.triggered_from,
                },
                "created_from": run.triggered_from,
                "created_by_role": run.created_by_role,
                "created_by_account": None,
                "created_by_end_user": (
                    {
                        "id": end_user.id,
                        "type": end_user.type,
                        "is_anonymous": end_user.is_anonymous,
                        "session_id": end_user.session_id,
                    }
                    if end_user is not None
                    else None
                ),
                "created_at": unix_seconds(run.created_at),
                "details": None,
            }
        )
    return {
        "page": found.page,
        "limit": found.limit,
        "total": found.total,
        "has_more": found.has_more,
        "data": data,
    }


def _naive(value: datetime | None) -> datetime | None:
    """An aware datetime as naive UTC (how times are stored)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)
