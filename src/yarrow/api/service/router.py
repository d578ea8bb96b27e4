"""The Service API router."""

from __future__ import annotations

from fastapi import APIRouter

from yarrow.api.service import index


def service_router() -> APIRouter:
    """Every Service API route, to be mounted under ``/v1``."""
    router = APIRouter()
    router.include_router(index.router)
    return router
