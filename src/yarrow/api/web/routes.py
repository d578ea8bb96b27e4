"""Web-app routes: passport, site, parameters, chat, completion, conversations, feedback, files.

Payloads mirror the Service API without ``user``: the end user comes from the passport. Answers
use Dify's "simple" form (no token usage in message metadata).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response, UploadFile

from yarrow.api.deps import ServicesDep
from yarrow.api.files import (
    RemoteFileBody,
    file_json,
    remote_file_json,
    single_file,
    upload_chunks,
)
from yarrow.api.service.chat import ChatBody, CompletionBody
from yarrow.api.service.conversations import (
    FeedbackBody,
    RenameBody,
    conversation_json,
    history_json,
    parameters_payload,
    site_payload,
)
from yarrow.api.sse import sse_response
from yarrow.api.web.deps import WebSessionDep, app_code
from yarrow.errors import InvalidInput
from yarrow.services.chat.generation import GenerateRequest, Generation, Kind
from yarrow.services.files import Uploader
from yarrow.services.passports import BROWSER, WebSession

router = APIRouter()


@router.get("/passport")
def passport(request: Request, services: ServicesDep) -> dict[str, str]:
    """A passport for a new anonymous visitor of the site named by ``X-App-Code``."""
    return {"access_token": services.passports.issue(app_code(request))}


@router.get("/site")
def site(session: WebSessionDep) -> dict[str, Any]:
    """The web app's settings."""
    return {
        "app_id": session.app.id,
        "end_user_id": session.end_user.id,
        "enable_site": session.app.enable_site,
        "plan": "basic",
        "can_replace_logo": False,
        "model_config": None,
        "custom_config": None,
        "site": site_payload(session.app, session.site),
    }


@router.get("/parameters")
def parameters(session: WebSessionDep, services: ServicesDep) -> dict[str, Any]:
    """Input form and features of the app."""
    return parameters_payload(session.app, services)


@router.get("/meta")
def meta(session: WebSessionDep) -> dict[str, Any]:
    """Tool icons (none yet)."""
    return {"tool_icons": {}}


def _simple(events: AsyncIterator[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    async def strip() -> AsyncIterator[dict[str, Any]]:
        async for event in events:
            if event.get("event") == "message_end":
                event = {
                    **event,
                    "metadata": {k: v for k, v in event["metadata"].items() if k != "usage"},
                }
            yield event

    return strip()


async def _generate(
    kind: Kind, body: ChatBody | CompletionBody, session: WebSession, services: ServicesDep
) -> Any:
    request = GenerateRequest(
        kind=kind,
        user=session.end_user.session_id,
        user_type=BROWSER,
        inputs=body.inputs or {},
        query=body.query,
        conversation_id=getattr(body, "conversation_id", None) or None,
        files=tuple(body.files or ()),
    )
    generation: Generation = await services.chat.prepare(session.app, request)
    if body.response_mode == "blocking":
        answer = await services.chat.blocking(generation)
        answer["metadata"] = {k: v for k, v in answer["metadata"].items() if k != "usage"}
        return answer
    return sse_response(_simple(services.chat.events(generation)))


@router.post("/chat-messages")
async def chat_messages(body: ChatBody, session: WebSessionDep, services: ServicesDep) -> Any:
    """Chat (streaming unless ``response_mode`` is ``blocking``)."""
    return await _generate("chat", body, session, services)


@router.post("/completion-messages")
async def completion_messages(
    body: CompletionBody, session: WebSessionDep, services: ServicesDep
) -> Any:
    """Run a completion app."""
    return await _generate("completion", body, session, services)


@router.post("/chat-messages/{task_id}/stop")
@router.post("/completion-messages/{task_id}/stop")
async def stop(task_id: str, session: WebSessionDep, services: ServicesDep) -> dict[str, str]:
    """Stop this visitor's streaming answer."""
    services.chat.tasks.stop(task_id, session.app.id, session.end_user.id)
    return {"result": "success"}


@router.get("/conversations")
def conversations(
    session: WebSessionDep,
    services: ServicesDep,
    last_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """This visitor's conversations, newest first."""
    page = services.chat_store.list_conversations(
        session.app.id, session.end_user.id, last_id=last_id, limit=limit, sort_by="-updated_at"
    )
    return {
        "limit": limit,
        "has_more": page.has_more,
        "data": [conversation_json(c) for c in page.rows],
    }


@router.delete("/conversations/{conversation_id}", status_code=204)
def delete_conversation(
    conversation_id: str, session: WebSessionDep, services: ServicesDep
) -> Response:
    """Delete one of this visitor's conversations."""
    services.chat_store.delete_conversation(session.app.id, session.end_user.id, conversation_id)
    return Response(status_code=204)


@router.post("/conversations/{conversation_id}/name")
def rename(
    conversation_id: str, body: RenameBody, session: WebSessionDep, services: ServicesDep
) -> dict[str, Any]:
    """Rename one of this visitor's conversations."""
    if not body.name or not body.name.strip():
        raise InvalidInput("name is required.", params="name")
    row = services.chat_store.rename_conversation(
        session.app.id, session.end_user.id, conversation_id, body.name.strip()
    )
    return conversation_json(row)


@router.get("/messages")
def messages(
    session: WebSessionDep,
    services: ServicesDep,
    conversation_id: Annotated[str, Query(max_length=64)],
    first_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """History of one of this visitor's conversations."""
    return history_json(
        services, session.app.id, session.end_user.id, conversation_id, first_id, limit
    )


@router.post("/messages/{message_id}/feedbacks")
def feedback(
    message_id: str, body: FeedbackBody, session: WebSessionDep, services: ServicesDep
) -> dict[str, str]:
    """Like, dislike or revoke feedback on one of this visitor's messages."""
    store = services.chat_store
    message = store.message(session.app.id, session.end_user.id, message_id)
    store.feedback(message, session.end_user.id, body.rating, body.content)
    return {"result": "success"}


@router.post("/remote-files/upload", status_code=201)
async def remote_upload(
    body: RemoteFileBody, session: WebSessionDep, services: ServicesDep
) -> dict[str, Any]:
    """Fetch a file by URL (through the SSRF guard) for this visitor's chats."""
    row = await services.files.upload_remote(
        Uploader(session.app.tenant_id, "end_user", session.end_user.id, session.app.id),
        body.url,
    )
    return remote_file_json(row, body.url, services.files.preview_url(row))


@router.post("/files/upload", status_code=201)
async def upload(
    session: WebSessionDep,
    services: ServicesDep,
    file: Annotated[list[UploadFile] | None, Form()] = None,
) -> dict[str, Any]:
    """Upload a file for this visitor's chats."""
    item = single_file(file)
    row = await services.files.upload(
        Uploader(session.app.tenant_id, "end_user", session.end_user.id, session.app.id),
        item.filename,
        item.content_type,
        upload_chunks(item),
    )
    return file_json(row, services.files.preview_url(row))
