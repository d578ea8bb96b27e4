"""Workspace model providers, default models, and app model configuration."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from yarrow.api.deps import CurrentActor, ServicesDep
from yarrow.errors import InvalidInput
from yarrow.services.chat.app_config import parse_config
from yarrow.services.model_providers import ModelChoice, parse_model_type
from yarrow.services.permissions import Action

router = APIRouter()
CONFIGURABLE_MODES = ("chat", "completion", "agent-chat")


class CredentialsBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    credentials: dict[str, Any] = Field(default_factory=dict)


class DefaultModelItem(BaseModel):
    model_type: str = Field(min_length=1, max_length=32)
    provider: str = Field(min_length=1, max_length=64)
    model: str = Field(min_length=1, max_length=255)


class DefaultModelsBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model_settings: list[DefaultModelItem] = Field(min_length=1, max_length=10)


@router.get("/workspaces/current/model-providers")
def providers(actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """Installed providers, whether each is configured here, and masked credentials."""
    return {"data": services.model_providers.providers(actor)}


@router.post("/workspaces/current/model-providers/{provider}/credentials")
async def save_credentials(
    provider: str, body: CredentialsBody, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """Validate credentials with a real call, then store them encrypted (returned masked)."""
    masked = await services.model_providers.save_credentials(actor, provider, body.credentials)
    return {"result": "success", "credentials": masked}


@router.delete("/workspaces/current/model-providers/{provider}/credentials", status_code=204)
def delete_credentials(provider: str, actor: CurrentActor, services: ServicesDep) -> Response:
    """Forget a provider's credentials."""
    services.model_providers.delete_credentials(actor, provider)
    return Response(status_code=204)


@router.get("/workspaces/current/models/model-types/{model_type}")
async def models(model_type: str, actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """Models of one type from every configured provider."""
    found = await services.model_providers.models(actor, parse_model_type(model_type))
    return {"data": [m.model_dump(mode="json") for m in found]}


@router.get("/workspaces/current/default-model")
async def default_model(
    model_type: str, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """The workspace's default model of a type."""
    actor.require(Action.VIEW_APPS)
    choice = await services.model_providers.default_model(
        actor.tenant_id, parse_model_type(model_type)
    )
    return {
        "data": {
            "provider": choice.provider,
            "model": choice.model,
            "model_type": choice.model_type,
        }
    }


@router.post("/workspaces/current/default-model")
def set_default_models(
    body: DefaultModelsBody, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """Set default models per type."""
    for item in body.model_settings:
        services.model_providers.set_default(
            actor, ModelChoice(item.provider, item.model, item.model_type)
        )
    return {"result": "success"}


@router.get("/apps/{app_id}/model-config")
def get_model_config(app_id: str, actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """The configuration of a chat, completion or agent-chat app."""
    app = services.apps.get(actor, app_id).app
    return services.chat_store.config(app.id).model_dump(mode="json")


@router.post("/apps/{app_id}/model-config")
def save_model_config(
    app_id: str, body: dict[str, Any], actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """Replace an app's configuration (validated)."""
    actor.require(Action.EDIT_APPS)
    app = services.apps.get(actor, app_id).app
    if app.mode not in CONFIGURABLE_MODES:
        raise InvalidInput(
            "Only chat, completion and agent-chat apps have a model config.", code="app_unavailable"
        )
    config = parse_config(body)
    services.chat_store.save_config(app.id, config, actor.account_id)
    return {"result": "success"}
