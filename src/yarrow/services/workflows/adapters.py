"""The engine's collaborators over Yarrow's services: models, conversation memory, stop signal.

Each adapter is built per run with the tenant (or conversation) it serves, so a node can never
reach another workspace's credentials or another conversation's history.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

from yarrow.errors import InvalidInput, NotFound
from yarrow.models import ChatMessage, ChatOptions
from yarrow.models.types import ImagePart, TextPart, ToolDefinition
from yarrow.services.chat.running import RunningTask
from yarrow.services.chat.tools import ToolCatalog
from yarrow.services.model_providers import ModelProviderService
from yarrow.workflow.events import TokenUsage
from yarrow.workflow.ports import ChatChunk, ChatRequest, ToolCall, ToolRequest, ToolResult
from yarrow.workflow.ports import ChatMessage as EngineMessage

Role = Literal["system", "user", "assistant", "tool"]
_ROLES: frozenset[str] = frozenset({"system", "user", "assistant", "tool"})


def _content(content: str | list[dict[str, Any]]) -> str | list[TextPart | ImagePart]:
    if isinstance(content, str):
        return content
    parts: list[TextPart | ImagePart] = []
    for part in content:
        if part.get("type") == "image_url":
            image = part.get("image_url") or {}
            url = str(image.get("url") if isinstance(image, dict) else image)
            detail = image.get("detail") if isinstance(image, dict) else "auto"
            parts.append(ImagePart(url=url, detail=detail if detail in ("low", "high") else "auto"))
        else:
            parts.append(TextPart(text=str(part.get("text") or "")))
    return parts


def _message(message: EngineMessage) -> ChatMessage:
    role = message.role if message.role in _ROLES else "user"
    return ChatMessage(role=role, content=_content(message.content))


def _options(request: ChatRequest) -> ChatOptions:
    params = request.parameters
    values: dict[str, Any] = {}
    for key in ("temperature", "top_p", "max_tokens", "seed"):
        if params.get(key) is not None:
            values[key] = params[key]
    stop = list(request.stop) or list(params.get("stop") or [])
    if stop:
        values["stop"] = [str(s) for s in stop][:4]
    if request.tools:
        values["tools"] = [
            ToolDefinition(name=t.name, description=t.description, parameters=dict(t.parameters))
            for t in request.tools
        ]
    try:
        return ChatOptions(**values)
    except ValueError as exc:
        raise InvalidInput(
            f"Invalid completion parameters: {exc}", params="completion_params"
        ) from exc


class RuntimeChatInvoker:
    """``ChatModelInvoker`` over the model runtime with one workspace's stored credentials."""

    def __init__(self, providers: ModelProviderService, tenant_id: str) -> None:
        self._providers = providers
        self._tenant_id = tenant_id
        self._credentials: dict[str, dict[str, Any]] = {}

    async def _credentials_for(self, provider: str) -> dict[str, Any]:
        if provider not in self._credentials:
            try:
                self._credentials[provider] = await asyncio.to_thread(
                    self._providers.credentials_for, self._tenant_id, provider
                )
            except NotFound as exc:
                raise InvalidInput(
                    f"Model provider '{provider}' is not configured in this workspace.",
                    code="provider_not_initialize",
                ) from exc
        return self._credentials[provider]

    async def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        credentials = await self._credentials_for(request.provider)
        model = self._providers.runtime.chat_model(request.provider, credentials, request.model)
        calls: dict[int, list[str]] = {}
        usage: TokenUsage | None = None
        async for delta in model.stream([_message(m) for m in request.messages], _options(request)):
            for call in delta.tool_calls:
                slot = calls.setdefault(call.index, ["", ""])
                slot[0] = call.name or slot[0]
                slot[1] += call.arguments
            if delta.usage is not None:
                usage = TokenUsage(delta.usage.prompt_tokens, delta.usage.completion_tokens)
            if delta.content:
                yield ChatChunk(delta=delta.content)
        tool_calls = [ToolCall(name, args) for _, (name, args) in sorted(calls.items())]
        yield ChatChunk(tool_calls=tool_calls, usage=usage)


class StoredMemory:
    """``ConversationMemory`` over a chat store's answered messages of one conversation."""

    def __init__(self, history: Callable[[str, int], list[Any]], default_window: int = 50) -> None:
        self._history = history
        self._default = default_window

    async def history(self, conversation_id: str, window: int | None) -> list[EngineMessage]:
        rows = await asyncio.to_thread(self._history, conversation_id, window or self._default)
        messages: list[EngineMessage] = []
        for row in rows:
            messages.append(EngineMessage("user", row.query))
            messages.append(EngineMessage("assistant", row.answer))
        return messages


class TaskStopSignal:
    """``StopSignal`` of a registered task (stopped locally or through pub/sub by any replica)."""

    def __init__(self, task: RunningTask) -> None:
        self._task = task

    async def is_set(self) -> bool:
        return self._task.stopped.is_set()


class CatalogToolInvoker:
    """``ToolInvoker`` over the built-in tools of the chat tool catalog (time, webscraper).

    Provider ids may be plugin-style (``langgenius/time/time``): the last segment is used. A tool
    Yarrow does not have fails its node with a message naming it.
    """

    def __init__(self, catalog: ToolCatalog) -> None:
        self._catalog = catalog

    async def invoke(self, request: ToolRequest) -> ToolResult:
        provider = request.provider_id.rstrip("/").rsplit("/", 1)[-1]
        item = {"provider_id": provider, "tool_name": request.tool_name}
        tools = self._catalog.toolbox({"enabled": True, "tools": [item]})
        if not tools:
            raise InvalidInput(
                f"Tool '{request.provider_id}/{request.tool_name}' is not available in Yarrow "
                "(built-in tools: time/current_time, webscraper/webscraper).",
                code="tool_not_available",
            )
        tool = next(iter(tools.values()))
        return ToolResult(text=await tool.invoke(dict(request.parameters)))
