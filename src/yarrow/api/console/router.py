"""The console API router."""

from __future__ import annotations

from fastapi import APIRouter

from yarrow.api.console import apps, auth, models, workflows, workspaces


def console_router() -> APIRouter:
    """Every console route, to be mounted under ``/console/api``."""
    router = APIRouter()
    for module in (auth, workspaces, apps, models, workflows):
        router.include_router(module.router)
    return router
