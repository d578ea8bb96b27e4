"""Service API routes about the key's workspace and end users."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from yarrow.api.deps import AppGrant, DatasetGrant, ServicesDep
from yarrow.db.base import iso_utc
from yarrow.db.models import EndUser
from yarrow.errors import InvalidInput, NotFound
from yarrow.services.chat.store import check_uuid
from yarrow.services.model_providers import parse_model_type
from yarrow.services.permissions import Actor

router = APIRouter()


@router.get("/end-users/{end_user_id}")
def end_user(end_user_id: str, grant: AppGrant, services: ServicesDep) -> dict[str, Any]:
    """An end user of the key's app."""
    app = grant.app
    assert app is not None
    try:
        check_uuid(end_user_id, "end_user_id")
    except InvalidInput as exc:
        raise NotFound("End user not found.", code="end_user_not_found") from exc
    with services.database.session() as session:
        row = session.scalar(
            select(EndUser).where(EndUser.id == end_user_id, EndUser.app_id == app.id)
        )
    if row is None:
        raise NotFound("End user not found.", code="end_user_not_found")
    return {
        "id": row.id,
        "tenant_id": row.tenant_id,
        "app_id": row.app_id,
        "type": row.type,
        "external_user_id": row.session_id,
        "name": None,
        "is_anonymous": row.is_anonymous,
        "session_id": row.session_id,
        "created_at": iso_utc(row.created_at),
        "updated_at": iso_utc(row.created_at),
    }


@router.get("/workspaces/current/models/model-types/{model_type}")
async def models_by_type(
    model_type: str, grant: DatasetGrant, services: ServicesDep
) -> dict[str, Any]:
    """Available models of a type in the key's workspace, grouped by provider (knowledge key)."""
    kind = parse_model_type(model_type)
    actor = Actor(account_id="", tenant_id=grant.tenant_id, role="owner")
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for model in await services.model_providers.models(actor, kind):
        grouped[model.provider].append(
            {
                "model": model.name,
                "label": {"en_US": model.label or model.name},
                "model_type": model.type.value,
                "features": None,
                "fetch_from": "customizable-model",
                "status": "active",
                "model_properties": {"context_size": model.capabilities.context_size},
            }
        )
    labels = {p.name: p.label for p in services.runtime.providers()}
    return {
        "data": [
            {
                "provider": provider,
                "label": {"en_US": labels.get(provider, provider)},
                "icon_small": {"en_US": ""},
                "icon_large": {"en_US": ""},
                "status": "active",
                "models": items,
            }
            for provider, items in grouped.items()
        ]
    }
