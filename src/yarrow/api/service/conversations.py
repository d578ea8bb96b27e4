"""Conversations, message history, feedback and app information for chat-family apps."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from yarrow.api.deps import AppGrant, ServicesDep
from yarrow.db.base import iso_utc, unix_seconds
from yarrow.db.models import App, Conversation, Message, Site
from yarrow.errors import InvalidInput, PermissionDenied
from yarrow.services.chat.app_config import parameters_json

router = APIRouter()
CHAT_FAMILY = ("chat", "agent-chat", "advanced-chat")


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class RenameBody(_Body):
    name: str | None = Field(default=None, max_length=255)
    auto_generate: bool = False
    user: str | None = Field(default=None, max_length=255)


class UserBody(_Body):
    user: str | None = Field(default=None, max_length=255)


class FeedbackBody(_Body):
    rating: Literal["like", "dislike"] | None = None
    user: str | None = Field(default=None, max_length=255)
    content: str | None = Field(default=None, max_length=10_000)


def _app(grant: AppGrant, chat_only: bool = False) -> App:
    app = grant.app
    assert app is not None
    if chat_only and app.mode not in CHAT_FAMILY:
        raise InvalidInput(
            "Please check if your app mode matches the right API route.", code="not_chat_app"
        )
    return app


def conversation_json(row: Conversation) -> dict[str, Any]:
    """A conversation as the Service API shows it."""
    return {
        "id": row.id,
        "name": row.name,
        "inputs": json.loads(row.inputs),
        "status": row.status,
        "introduction": "",
        "created_at": unix_seconds(row.created_at),
        "updated_at": unix_seconds(row.updated_at),
    }


def _thoughts(row: Message) -> list[dict[str, Any]]:
    stored = json.loads(row.metadata_json or "{}").get("agent_thoughts") or []
    created = unix_seconds(row.created_at)
    return [
        {"chain_id": None, "message_id": row.id, "files": [], "created_at": created, **t}
        for t in stored
    ]


def message_json(row: Message, rating: str | None) -> dict[str, Any]:
    """A message as the Service API shows it."""
    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "parent_message_id": row.parent_message_id,
        "inputs": json.loads(row.inputs),
        "query": row.query,
        "answer": row.answer,
        "status": row.status,
        "error": row.error,
        "message_files": [],
        "feedback": {"rating": rating} if rating else None,
        "retriever_resources": [],
        "agent_thoughts": _thoughts(row),
        "extra_contents": [],
        "created_at": unix_seconds(row.created_at),
        "message_tokens": row.message_tokens,
        "answer_tokens": row.answer_tokens,
        "total_tokens": row.message_tokens + row.answer_tokens,
        "provider_response_latency": row.latency,
        "total_price": "0",
        "currency": "USD",
    }


def parameters_payload(app: App, services: ServicesDep) -> dict[str, Any]:
    """``/parameters`` of an app (Service API and web app alike)."""
    limits = services.settings.limits
    return parameters_json(
        services.chat_store.config(app.id),
        {
            "file_size_limit": limits.upload_file_size_limit,
            "image_file_size_limit": limits.upload_image_file_size_limit,
            "audio_file_size_limit": limits.upload_audio_file_size_limit,
            "video_file_size_limit": limits.upload_video_file_size_limit,
            "workflow_file_upload_limit": 10,
        },
    )


@router.get("/parameters")
def parameters(grant: AppGrant, services: ServicesDep) -> dict[str, Any]:
    """The app's input form and feature switches."""
    return parameters_payload(_app(grant), services)


@router.get("/meta")
def meta(grant: AppGrant) -> dict[str, Any]:
    """Tool icons of the app (no tools are configured yet)."""
    _app(grant)
    return {"tool_icons": {}}


def site_payload(app: App, found: Site) -> dict[str, Any]:
    """The web-app settings of an app's site."""
    return {
        "title": found.title,
        "chat_color_theme": "",
        "chat_color_theme_inverted": False,
        "icon_type": app.icon_type,
        "icon": app.icon,
        "icon_background": app.icon_background,
        "icon_url": None,
        "description": found.description,
        "copyright": "",
        "privacy_policy": "",
        "custom_disclaimer": "",
        "default_language": found.default_language,
        "show_workflow_steps": True,
        "use_icon_as_answer_icon": False,
    }


@router.get("/site")
def site(grant: AppGrant, services: ServicesDep) -> dict[str, Any]:
    """The app's web-app settings."""
    app = _app(grant)
    found = services.apps.site_of(app.id)
    if found is None or not app.enable_site:
        raise PermissionDenied("The site of this app is not available.")
    return site_payload(app, found)


@router.get("/conversations")
def list_conversations(
    grant: AppGrant,
    services: ServicesDep,
    user: Annotated[str | None, Query(max_length=255)] = None,
    last_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    sort_by: Annotated[
        Literal["created_at", "-created_at", "updated_at", "-updated_at"], Query()
    ] = "-updated_at",
) -> dict[str, Any]:
    """The end user's conversations, newest first by default."""
    app = _app(grant, chat_only=True)
    end_user = services.chat_store.end_user(app, user)
    page = services.chat_store.list_conversations(
        app.id, end_user.id, last_id=last_id, limit=limit, sort_by=sort_by
    )
    return {
        "limit": limit,
        "has_more": page.has_more,
        "data": [conversation_json(c) for c in page.rows],
    }


@router.delete("/conversations/{conversation_id}", status_code=204)
def delete_conversation(
    conversation_id: str, grant: AppGrant, services: ServicesDep, body: UserBody | None = None
) -> Response:
    """Delete a conversation of the end user."""
    app = _app(grant, chat_only=True)
    end_user = services.chat_store.end_user(app, body.user if body else None)
    services.chat_store.delete_conversation(app.id, end_user.id, conversation_id)
    return Response(status_code=204)


@router.post("/conversations/{conversation_id}/name")
def rename_conversation(
    conversation_id: str, body: RenameBody, grant: AppGrant, services: ServicesDep
) -> dict[str, Any]:
    """Rename a conversation, or name it after its first question (``auto_generate``)."""
    app = _app(grant, chat_only=True)
    store = services.chat_store
    end_user = store.end_user(app, body.user)
    if body.auto_generate:
        first = store.messages(app.id, end_user.id, conversation_id, first_id=None, limit=100)
        name = (first.rows[0].query.strip()[:40] if first.rows else "") or "New conversation"
    elif body.name and body.name.strip():
        name = body.name.strip()
    else:
        raise InvalidInput("name is required when auto_generate is false.", params="name")
    return conversation_json(store.rename_conversation(app.id, end_user.id, conversation_id, name))


@router.get("/messages")
def list_messages(
    grant: AppGrant,
    services: ServicesDep,
    conversation_id: Annotated[str, Query(max_length=64)],
    user: Annotated[str | None, Query(max_length=255)] = None,
    first_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Message history of a conversation, paging backwards with ``first_id``."""
    app = _app(grant, chat_only=True)
    end_user = services.chat_store.end_user(app, user)
    return history_json(services, app.id, end_user.id, conversation_id, first_id, limit)


def history_json(
    services: ServicesDep,
    app_id: str,
    end_user_id: str,
    conversation_id: str,
    first_id: str | None,
    limit: int,
) -> dict[str, Any]:
    """A page of a conversation's messages with their feedback (Service API and web app)."""
    store = services.chat_store
    page = store.messages(app_id, end_user_id, conversation_id, first_id=first_id, limit=limit)
    ratings = store.feedback_ratings([m.id for m in page.rows])
    return {
        "limit": limit,
        "has_more": page.has_more,
        "data": [message_json(m, ratings.get(m.id)) for m in page.rows],
    }


@router.post("/messages/{message_id}/feedbacks")
def feedback(
    message_id: str, body: FeedbackBody, grant: AppGrant, services: ServicesDep
) -> dict[str, Any]:
    """Like, dislike or (``rating: null``) revoke feedback on a message."""
    if not body.user:
        raise InvalidInput("Arg user must be provided.", params="user")
    app = _app(grant)
    store = services.chat_store
    end_user = store.end_user(app, body.user)
    message = store.message(app.id, end_user.id, message_id)
    store.feedback(message, end_user.id, body.rating, body.content)
    return {"result": "success"}


@router.get("/messages/{message_id}/suggested")
def suggested(
    message_id: str,
    grant: AppGrant,
    services: ServicesDep,
    user: Annotated[str | None, Query(max_length=255)] = None,
) -> dict[str, Any]:
    """Suggested follow-up questions (when the feature is on)."""
    if not user:
        raise InvalidInput("Arg user must be provided.", params="user")
    app = _app(grant, chat_only=True)
    store = services.chat_store
    end_user = store.end_user(app, user)
    store.message(app.id, end_user.id, message_id)
    if not store.config(app.id).suggested_questions_after_answer.enabled:
        raise InvalidInput("Suggested Questions Is Disabled.", code="bad_request")
    return {"result": "success", "data": []}


@router.get("/app/feedbacks")
def app_feedbacks(
    grant: AppGrant,
    services: ServicesDep,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=101)] = 20,
) -> dict[str, Any]:
    """Feedback given on the app's messages."""
    app = _app(grant)
    rows = services.chat_store.app_feedbacks(app.id, page=page, limit=limit)
    return {
        "data": [
            {
                "id": f.id,
                "app_id": f.app_id,
                "conversation_id": f.conversation_id,
                "message_id": f.message_id,
                "rating": f.rating,
                "content": f.content,
                "from_source": f.from_source,
                "from_end_user_id": f.from_end_user_id,
                "from_account_id": f.from_account_id,
                "created_at": iso_utc(f.created_at),
                "updated_at": iso_utc(f.updated_at),
            }
            for f in rows
        ]
    }
