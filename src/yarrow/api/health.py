"""Liveness (``/health``) and readiness (``/ready``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from yarrow import __version__
from yarrow.api.deps import ServicesDep
from yarrow.db.migrate import current_revision, head_revision
from yarrow.errors import YarrowError

router = APIRouter()


@router.get("/health")
def health() -> dict[str, Any]:
    """The process is up."""
    return {"status": "ok", "version": __version__}


@router.get("/ready")
def ready(services: ServicesDep) -> JSONResponse:
    """200 when the database answers and its schema is current; 503 otherwise."""
    checks: dict[str, Any] = {}
    try:
        with services.database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
        revision = current_revision(services.database)
        head = head_revision()
        checks["migrations"] = "ok" if revision == head else f"at {revision}, expected {head}"
    except SQLAlchemyError as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    queue = getattr(services, "task_queue", None)  # set when the process has a task queue
    if queue is not None and queue.has_broker:
        try:
            queue.check()
            checks["broker"] = "ok"
        except YarrowError as exc:
            checks["broker"] = f"unreachable: {exc.message}"
    ok = all(v == "ok" for v in checks.values()) and "migrations" in checks
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
    )
