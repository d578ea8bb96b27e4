"""Request and response models of the console API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from yarrow.db.base import unix_seconds
from yarrow.db.models import ApiToken, App, Site
from yarrow.services.api_keys import masked

NAME = Field(min_length=1, max_length=255)
EMAIL = Field(min_length=3, max_length=254)
PASSWORD = Field(min_length=1, max_length=256)


class StrictBody(BaseModel):
    """Request bodies reject unknown fields' wrong types but tolerate extra fields (as Dify)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


class SetupBody(StrictBody):
    email: str = EMAIL
    name: str = NAME
    password: str = PASSWORD
    workspace_name: str | None = Field(default=None, max_length=255)
    init_password: str | None = Field(default=None, max_length=256)


class LoginBody(StrictBody):
    email: str = EMAIL
    password: str = PASSWORD
    remember_me: bool = False


class RefreshBody(StrictBody):
    refresh_token: str | None = Field(default=None, max_length=512)


class WorkspaceBody(StrictBody):
    name: str = NAME


class SwitchBody(StrictBody):
    tenant_id: str = Field(min_length=1, max_length=64)


class InviteBody(StrictBody):
    emails: list[str] = Field(min_length=1, max_length=100)
    role: str = Field(min_length=1, max_length=32)
    language: str | None = Field(default=None, max_length=32)


class RoleBody(StrictBody):
    role: str = Field(min_length=1, max_length=32)


class ActivateBody(StrictBody):
    token: str = Field(min_length=1, max_length=256)
    name: str | None = Field(default=None, max_length=255)
    password: str | None = Field(default=None, max_length=256)


class AcceptBody(StrictBody):
    token: str = Field(min_length=1, max_length=256)


class AppCreateBody(StrictBody):
    name: str = NAME
    mode: str = Field(min_length=1, max_length=32)
    description: str | None = Field(default=None, max_length=400)
    icon_type: str | None = Field(default=None, max_length=16)
    icon: str | None = Field(default=None, max_length=255)
    icon_background: str | None = Field(default=None, max_length=16)


class AppUpdateBody(StrictBody):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=400)
    icon_type: str | None = Field(default=None, max_length=16)
    icon: str | None = Field(default=None, max_length=255)
    icon_background: str | None = Field(default=None, max_length=16)


class AppCopyBody(AppUpdateBody):
    pass


class SiteSwitchBody(StrictBody):
    enable_site: bool


class ApiSwitchBody(StrictBody):
    enable_api: bool


def app_json(app: App, site: Site | None, base_url: str) -> dict[str, Any]:
    """An app in the console's (Dify-like) shape."""
    return {
        "id": app.id,
        "name": app.name,
        "description": app.description,
        "mode": app.mode,
        "icon_type": app.icon_type,
        "icon": app.icon,
        "icon_background": app.icon_background,
        "icon_url": app.icon if app.icon_type in ("image", "link") else None,
        "enable_site": app.enable_site,
        "enable_api": app.enable_api,
        "status": app.status,
        "created_by": app.created_by,
        "created_at": unix_seconds(app.created_at),
        "updated_at": unix_seconds(app.updated_at),
        "api_base_url": f"{base_url}/v1",
        "site": None
        if site is None
        else {
            "code": site.code,
            "title": site.title,
            "description": site.description,
            "default_language": site.default_language,
            "app_base_url": base_url,
        },
    }


def key_json(row: ApiToken) -> dict[str, Any]:
    """A stored key, masked."""
    return {
        "id": row.id,
        "type": row.type,
        "token": masked(row.type, row.token_tail),
        "last_used_at": unix_seconds(row.last_used_at),
        "created_at": unix_seconds(row.created_at),
    }
