"""Service API basics: the welcome document and app info."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from yarrow import __version__
from yarrow.api.deps import AppGrant, ServicesDep

router = APIRouter()


@router.get("/")
def welcome() -> dict[str, str]:
    """Dify's unauthenticated welcome document."""
    return {"welcome": "Dify OpenAPI", "api_version": "v1", "server_version": __version__}


@router.get("/info")
def info(grant: AppGrant, services: ServicesDep) -> dict[str, Any]:
    """Name, description, tags, mode and author of the key's app."""
    app = grant.app
    assert app is not None  # an app grant always carries its app
    author = services.accounts.get_account(app.created_by).name if app.created_by else ""
    return {
        "name": app.name,
        "description": app.description,
        "tags": [],
        "mode": app.mode,
        "author_name": author,
    }
