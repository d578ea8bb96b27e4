"""``/openai/v1/chat/completions`` and ``/openai/v1/models`` over app keys.

The app key selects the app; the request's ``model`` is echoed back. Continuity: without a
conversation the client's earlier messages are the history (stateless, as with OpenAI); with the
``X-Conversation-Id`` header (returned on every answer) the server keeps the history instead.
Errors use OpenAI's ``{"error": {...}}`` body.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from yarrow.api.deps import AppGrant, ServicesDep
from yarrow.api.sse import encode_event
from yarrow.db.base import unix_seconds
from yarrow.errors import InvalidInput
from yarrow.models import ChatMessage
from yarrow.services.chat.generation import GenerateRequest, Generation

router = APIRouter()
CONVERSATION_HEADER = "X-Conversation-Id"


class OpenAIMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model: str = Field(default="", max_length=255)
    messages: list[OpenAIMessage] = Field(min_length=1, max_length=1000)
    stream: bool = False
    user: str | None = Field(default=None, max_length=255)


def _text(message: OpenAIMessage) -> str:
    if isinstance(message.content, list):
        return "".join(str(p.get("text", "")) for p in message.content if isinstance(p, dict))
    return message.content or ""


def _request(
    body: CompletionRequest, kind: Literal["chat", "completion"], conversation_id: str | None
) -> GenerateRequest:
    last = body.messages[-1]
    if last.role != "user":
        raise InvalidInput("The last message must come from the user.", params="messages")
    history = tuple(
        ChatMessage(role="assistant" if m.role == "assistant" else "user", content=_text(m))
        for m in body.messages[:-1]
        if m.role in ("user", "assistant") and _text(m)
    )
    return GenerateRequest(
        kind=kind,
        user=body.user or "openai-client",
        inputs={},
        query=_text(last),
        conversation_id=conversation_id,
        history=() if conversation_id else history,
    )


@router.get("/models")
def models(grant: AppGrant) -> dict[str, Any]:
    """The key's app, as the one model this endpoint serves."""
    app = grant.app
    assert app is not None
    return {
        "object": "list",
        "data": [
            {
                "id": app.name,
                "object": "model",
                "created": unix_seconds(app.created_at),
                "owned_by": "yarrow",
            }
        ],
    }


@router.post("/chat/completions")
async def chat_completions(
    body: CompletionRequest, request: Request, grant: AppGrant, services: ServicesDep
) -> Any:
    """Answer with the key's app, blocking or streamed as OpenAI chunks."""
    app = grant.app
    assert app is not None
    kind: Literal["chat", "completion"] = "completion" if app.mode == "completion" else "chat"
    conversation_id = request.headers.get(CONVERSATION_HEADER) or None
    generation = await services.chat.prepare(app, _request(body, kind, conversation_id))
    headers = {}
    if generation.conversation is not None:
        headers[CONVERSATION_HEADER] = generation.conversation.id
    model = body.model or app.name
    if body.stream:
        return StreamingResponse(
            _chunks(services, generation, model), media_type="text/event-stream", headers=headers
        )
    answer = await services.chat.blocking(generation)
    usage = answer["metadata"].get("usage", {})
    return JSONResponse(
        {
            "id": f"chatcmpl-{generation.message.id}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": answer["answer"]},
                }
            ],
            "usage": {
                "prompt_tokens": usage.get("prompt_tokens", 0),
                "completion_tokens": usage.get("completion_tokens", 0),
                "total_tokens": usage.get("total_tokens", 0),
            },
        },
        headers=headers,
    )


async def _chunks(
    services: ServicesDep, generation: Generation, model: str
) -> AsyncIterator[bytes]:
    created = int(time.time())
    chunk_id = f"chatcmpl-{generation.message.id}"

    def chunk(delta: dict[str, Any], finish: str | None, **extra: Any) -> bytes:
        return encode_event(
            {
                "id": chunk_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **extra,
            }
        )

    yield chunk({"role": "assistant", "content": ""}, None)
    async for event in services.chat.events(generation):
        if event["event"] in ("message", "agent_message"):
            yield chunk({"content": event["answer"]}, None)
        elif event["event"] == "message_end":
            usage = event["metadata"]["usage"]
            yield chunk(
                {},
                "stop",
                usage={
                    "prompt_tokens": usage["prompt_tokens"],
                    "completion_tokens": usage["completion_tokens"],
                    "total_tokens": usage["total_tokens"],
                },
            )
        elif event["event"] == "error":
            yield encode_event(
                {
                    "error": {
                        "message": event["message"],
                        "type": event["code"],
                        "code": event["code"],
                    }
                }
            )
    yield b"data: [DONE]\n\n"
