"""The Service API router."""

from __future__ import annotations

from fastapi import APIRouter

from yarrow.api.service import chat, conversations, datasets, index, workflows, workspace


def service_router() -> APIRouter:
    """Every Service API route, to be mounted under ``/v1``."""
    router = APIRouter()
    for module in (index, chat, conversations, workspace, workflows, datasets):
        router.include_router(module.router)
    return router
