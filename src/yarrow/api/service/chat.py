"""Generation routes: ``/chat-messages``, ``/completion-messages`` and their ``/stop``."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from yarrow.api.deps import AppGrant, ServicesDep
from yarrow.api.sse import sse_response
from yarrow.db.models import App
from yarrow.errors import InvalidInput
from yarrow.services.chat.generation import GenerateRequest, Kind

router = APIRouter()


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ChatBody(_Body):
    query: str = Field(default="", max_length=1_000_000)
    inputs: dict[str, Any] | None = None
    user: str | None = Field(default=None, max_length=255)
    response_mode: Literal["streaming", "blocking"] | None = None
    conversation_id: str | None = Field(default=None, max_length=64)
    files: list[dict[str, Any]] | None = None
    auto_generate_name: bool = True


class CompletionBody(_Body):
    query: str = Field(default="", max_length=1_000_000)
    inputs: dict[str, Any] | None = None
    user: str | None = Field(default=None, max_length=255)
    response_mode: Literal["streaming", "blocking"] | None = None
    files: list[dict[str, Any]] | None = None


class StopBody(_Body):
    user: str | None = Field(default=None, max_length=255)


def _app(grant: AppGrant) -> App:
    assert grant.app is not None
    return grant.app


async def _generate(
    kind: Kind, body: ChatBody | CompletionBody, grant: AppGrant, services: ServicesDep
) -> Any:
    request = GenerateRequest(
        kind=kind,
        user=body.user or "",
        inputs=body.inputs or {},
        query=body.query,
        conversation_id=getattr(body, "conversation_id", None) or None,
        auto_generate_name=getattr(body, "auto_generate_name", True),
        files=tuple(body.files or ()),
    )
    app = _app(grant)
    if kind == "chat" and app.mode == "advanced-chat":  # chatflows run their workflow
        chatflow = services.workflows.chatflow
        turn = await chatflow.prepare(app, request)
        if body.response_mode == "streaming":
            return sse_response(chatflow.events(turn))
        return await chatflow.blocking(turn)
    generation = await services.chat.prepare(app, request)
    if body.response_mode == "streaming":
        return sse_response(services.chat.events(generation))
    return await services.chat.blocking(generation)


@router.post("/chat-messages")
async def chat_messages(body: ChatBody, grant: AppGrant, services: ServicesDep) -> Any:
    """Send a chat message (blocking JSON or an SSE stream)."""
    return await _generate("chat", body, grant, services)


@router.post("/completion-messages")
async def completion_messages(body: CompletionBody, grant: AppGrant, services: ServicesDep) -> Any:
    """Run a completion app (blocking JSON or an SSE stream)."""
    return await _generate("completion", body, grant, services)


async def _stop(task_id: str, body: StopBody, grant: AppGrant, services: ServicesDep) -> Any:
    if not body.user:
        raise InvalidInput("Arg user must be provided.", params="user")
    app = _app(grant)
    end_user = services.chat_store.end_user(app, body.user)
    services.chat.tasks.stop(task_id, app.id, end_user.id)
    return {"result": "success"}


@router.post("/chat-messages/{task_id}/stop")
async def stop_chat(task_id: str, body: StopBody, grant: AppGrant, services: ServicesDep) -> Any:
    """Stop a streaming answer of this end user (another user's task is silently ignored)."""
    return await _stop(task_id, body, grant, services)


@router.post("/completion-messages/{task_id}/stop")
async def stop_completion(
    task_id: str, body: StopBody, grant: AppGrant, services: ServicesDep
) -> Any:
    """Stop a streaming completion of this end user."""
    return await _stop(task_id, body, grant, services)
