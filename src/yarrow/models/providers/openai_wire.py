"""Translation between Yarrow's model types and the OpenAI chat/embeddings wire format.

Pure functions, no I/O: shared by the ``openai_api_compatible`` and ``local`` providers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from yarrow.models.errors import ModelBadRequestError
from yarrow.models.tokens import estimate_prompt_tokens, estimate_tokens
from yarrow.models.types import (
    ChatDelta,
    ChatMessage,
    ChatOptions,
    ChatResult,
    FinishReason,
    ImagePart,
    ModelCapabilities,
    ToolCall,
    ToolCallDelta,
    Usage,
)

_FINISH: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}


def finish_reason(value: str | None) -> FinishReason:
    """Map a wire ``finish_reason`` to ours (unknown values count as ``stop``)."""
    return _FINISH.get(value or "stop", "stop")


def message_to_wire(message: ChatMessage) -> dict[str, Any]:
    """One message in OpenAI's chat format."""
    content: Any
    if isinstance(message.content, str):
        content = message.content
    else:
        content = [
            {"type": "image_url", "image_url": {"url": part.url, "detail": part.detail}}
            if isinstance(part, ImagePart)
            else {"type": "text", "text": part.text}
            for part in message.content
        ]
    wire: dict[str, Any] = {"role": message.role, "content": content}
    if message.tool_calls:
        wire["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
        if not content:
            wire["content"] = None
    if message.role == "tool":
        wire["tool_call_id"] = message.tool_call_id or ""
    return wire


def check_capabilities(
    messages: Sequence[ChatMessage], options: ChatOptions, caps: ModelCapabilities, model: str
) -> None:
    """Refuse images or tools the model does not support, before any network call."""
    if not caps.vision and any(m.has_images() for m in messages):
        raise ModelBadRequestError(f"Model '{model}' does not accept images.")
    if options.tools and not caps.tool_calling:
        raise ModelBadRequestError(f"Model '{model}' does not support tool calling.")


def request_params(
    model: str,
    messages: Sequence[ChatMessage],
    options: ChatOptions,
    default_max_tokens: int | None,
) -> dict[str, Any]:
    """Keyword arguments for ``chat.completions.create`` (without ``stream``)."""
    params: dict[str, Any] = {"model": model, "messages": [message_to_wire(m) for m in messages]}
    max_tokens = options.max_tokens or default_max_tokens
    if max_tokens:
        params["max_tokens"] = max_tokens
    for name in ("temperature", "top_p", "seed"):
        value = getattr(options, name)
        if value is not None:
            params[name] = value
    if options.stop:
        params["stop"] = list(options.stop)
    if options.tools:
        params["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t.name,
                    "description": t.description,
                    "parameters": t.parameters,
                },
            }
            for t in options.tools
        ]
    if options.tool_choice is not None:
        choice = options.tool_choice
        params["tool_choice"] = (
            choice
            if choice in ("auto", "none", "required")
            else {"type": "function", "function": {"name": choice}}
        )
    return params


def usage_from(
    raw: Any, messages: Sequence[ChatMessage], completion_text: str, latency_s: float
) -> Usage:
    """Usage from a wire ``usage`` object, or a local estimate when it is missing."""
    if raw is not None and getattr(raw, "prompt_tokens", None) is not None:
        return Usage(
            prompt_tokens=int(raw.prompt_tokens),
            completion_tokens=int(getattr(raw, "completion_tokens", 0) or 0),
            latency_s=latency_s,
        )
    return Usage(
        prompt_tokens=estimate_prompt_tokens(messages),
        completion_tokens=estimate_tokens(completion_text),
        latency_s=latency_s,
        estimated=True,
    )


def chat_result(
    completion: Any, model: str, messages: Sequence[ChatMessage], latency_s: float
) -> ChatResult:
    """A :class:`ChatResult` from a wire ``ChatCompletion``."""
    if not completion.choices:
        raise ModelBadRequestError("The model provider returned no choices.")
    choice = completion.choices[0]
    wire_message = choice.message
    calls = [
        ToolCall(id=c.id or f"call_{i}", name=c.function.name, arguments=c.function.arguments or "")
        for i, c in enumerate(getattr(wire_message, "tool_calls", None) or [])
    ]
    text = wire_message.content or ""
    reason = finish_reason(choice.finish_reason)
    if calls and reason == "stop":
        reason = "tool_calls"
    return ChatResult(
        model=str(completion.model or model),
        message=ChatMessage(role="assistant", content=text, tool_calls=calls),
        finish_reason=reason,
        usage=usage_from(completion.usage, messages, text, latency_s),
    )


def chunk_delta(chunk: Any) -> tuple[ChatDelta | None, str | None]:
    """The delta of one stream chunk (None when it carries nothing) and its finish reason."""
    if not chunk.choices:
        return None, None
    choice = chunk.choices[0]
    delta = choice.delta
    calls = [
        ToolCallDelta(
            index=int(c.index or 0),
            id=c.id,
            name=c.function.name if c.function else None,
            arguments=(c.function.arguments or "") if c.function else "",
        )
        for c in (getattr(delta, "tool_calls", None) or [])
    ]
    text = cast(str, getattr(delta, "content", None) or "")
    if not text and not calls:
        return None, choice.finish_reason
    return ChatDelta(content=text, tool_calls=calls), choice.finish_reason


__all__ = [
    "chat_result",
    "check_capabilities",
    "chunk_delta",
    "finish_reason",
    "message_to_wire",
    "request_params",
    "usage_from",
]
