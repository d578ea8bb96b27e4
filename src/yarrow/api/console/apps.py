"""Apps of the current workspace and their API keys."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from yarrow.api.console.schemas import (
    ApiSwitchBody,
    AppCopyBody,
    AppCreateBody,
    AppUpdateBody,
    SiteSwitchBody,
    app_json,
    key_json,
)
from yarrow.api.deps import CurrentActor, ServicesDep
from yarrow.services.apps import AppDraft, AppWithSite

router = APIRouter()


def base_url(request: Request, services: ServicesDep) -> str:
    """Public base URL: SERVICE_API_URL when set, else the URL the caller used."""
    configured = services.settings.core.service_api_url
    return (configured or str(request.base_url)).rstrip("/")


def _json(found: AppWithSite, request: Request, services: ServicesDep) -> dict[str, Any]:
    return app_json(found.app, found.site, base_url(request, services))


@router.get("/apps")
def list_apps(
    request: Request,
    actor: CurrentActor,
    services: ServicesDep,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    mode: Annotated[str | None, Query(max_length=32)] = None,
    name: Annotated[str | None, Query(max_length=255)] = None,
) -> dict[str, Any]:
    """Apps of the workspace, newest first (Dify's page style)."""
    found = services.apps.list(actor, page=page, limit=limit, mode=mode, name=name)
    url = base_url(request, services)
    return {
        "page": found.page,
        "limit": found.limit,
        "total": found.total,
        "has_more": found.has_more,
        "data": [app_json(app, site, url) for app, site in found.items],
    }


@router.post("/apps", status_code=201)
def create_app(
    body: AppCreateBody, request: Request, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """Create an app of any Dify mode."""
    draft = AppDraft(**body.model_dump())
    return _json(services.apps.create(actor, draft), request, services)


@router.get("/apps/{app_id}")
def get_app(
    app_id: str, request: Request, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """One app."""
    return _json(services.apps.get(actor, app_id), request, services)


@router.put("/apps/{app_id}")
def update_app(
    app_id: str, body: AppUpdateBody, request: Request, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """Change an app's name, description or icon."""
    return _json(
        services.apps.update(actor, app_id, AppDraft(**body.model_dump())), request, services
    )


@router.post("/apps/{app_id}/copy", status_code=201)
def copy_app(
    app_id: str, body: AppCopyBody, request: Request, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """Duplicate an app."""
    return _json(
        services.apps.copy(actor, app_id, AppDraft(**body.model_dump())), request, services
    )


@router.delete("/apps/{app_id}", status_code=204)
def delete_app(app_id: str, actor: CurrentActor, services: ServicesDep) -> Response:
    """Delete an app with its site and keys."""
    services.apps.delete(actor, app_id)
    return Response(status_code=204)


@router.post("/apps/{app_id}/site-enable")
def site_enable(
    app_id: str, body: SiteSwitchBody, request: Request, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """Turn the public web app on or off."""
    found = services.apps.set_switch(actor, app_id, site=body.enable_site)
    return _json(found, request, services)


@router.post("/apps/{app_id}/api-enable")
def api_enable(
    app_id: str, body: ApiSwitchBody, request: Request, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """Turn the Service API of an app on or off."""
    found = services.apps.set_switch(actor, app_id, api=body.enable_api)
    return _json(found, request, services)


class ImportBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    mode: Literal["yaml-content"] = "yaml-content"
    yaml_content: str = Field(min_length=1, max_length=10 * 1024 * 1024)
    name: str | None = Field(default=None, max_length=255)


@router.post("/apps/imports")
def import_app(body: ImportBody, actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """Create an app from Dify DSL YAML; unsupported parts come back as ``warnings``."""
    return services.dsl.import_app(actor, body.yaml_content, name=body.name).as_json()


@router.get("/apps/{app_id}/export")
def export_app(app_id: str, actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """The app as Dify DSL YAML."""
    return {"data": services.dsl.export_app(actor, app_id)}


@router.get("/apps/{app_id}/api-keys")
def list_app_keys(app_id: str, actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """An app's keys, masked."""
    return {"data": [key_json(k) for k in services.api_keys.list(actor, "app", app_id)]}


@router.post("/apps/{app_id}/api-keys", status_code=201)
def create_app_key(app_id: str, actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """A new app key, shown in full this once."""
    key = services.api_keys.create(actor, "app", app_id)
    return {
        "id": key.id,
        "type": key.type,
        "token": key.token,
        "last_used_at": None,
        "created_at": key.created_at,
    }


@router.delete("/apps/{app_id}/api-keys/{key_id}", status_code=204)
def delete_app_key(
    app_id: str, key_id: str, actor: CurrentActor, services: ServicesDep
) -> Response:
    """Delete one app key."""
    services.api_keys.delete(actor, "app", key_id, app_id)
    return Response(status_code=204)


@router.get("/datasets/api-keys")
def list_dataset_keys(actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """The workspace's knowledge keys, masked."""
    return {"data": [key_json(k) for k in services.api_keys.list(actor, "dataset")]}


@router.post("/datasets/api-keys", status_code=201)
def create_dataset_key(actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """A new knowledge key, shown in full this once."""
    key = services.api_keys.create(actor, "dataset")
    return {
        "id": key.id,
        "type": key.type,
        "token": key.token,
        "last_used_at": None,
        "created_at": key.created_at,
    }


@router.delete("/datasets/api-keys/{key_id}", status_code=204)
def delete_dataset_key(key_id: str, actor: CurrentActor, services: ServicesDep) -> Response:
    """Delete one knowledge key."""
    services.api_keys.delete(actor, "dataset", key_id)
    return Response(status_code=204)
