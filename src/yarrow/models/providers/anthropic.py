"""``anthropic``: Claude models through the official ``anthropic`` SDK (chat, tools, streaming).

Credential names follow Dify's anthropic provider (``anthropic_api_key``, ``anthropic_api_url``).
System messages become the ``system`` parameter; tool results are sent as ``tool_result`` blocks
in a user turn; consecutive turns of one role are merged, as the Messages API requires.
The current SDK no longer takes ``temperature``/``top_p`` (current Claude models fix sampling),
so those options are not sent; ``seed`` has no Anthropic equivalent either.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, NoReturn

import anthropic
import httpx2

from yarrow.models.errors import (
    ModelBadRequestError,
    ModelError,
    ModelTimeoutError,
    ModelUnavailableError,
    error_for_status,
    parse_retry_after,
)
from yarrow.models.interfaces import ChatModel, Credentials, ModelProvider, ProviderContext
from yarrow.models.providers.client_cache import LoopBoundCache, credential_fingerprint
from yarrow.models.providers.openai_wire import check_capabilities
from yarrow.models.types import (
    ChatDelta,
    ChatMessage,
    ChatOptions,
    ChatResult,
    CredentialField,
    FinishReason,
    ImagePart,
    ModelCapabilities,
    ModelInfo,
    ModelType,
    ToolCall,
    ToolCallDelta,
    Usage,
)

_CLAUDE = ModelCapabilities(
    streaming=True,
    tool_calling=True,
    forced_tool_choice=True,
    vision=True,
    context_size=200_000,
    max_output_tokens=8192,
)
MODELS: dict[str, ModelCapabilities] = {
    "claude-opus-4-5": _CLAUDE.model_copy(update={"max_output_tokens": 32_000}),
    "claude-sonnet-4-5": _CLAUDE.model_copy(update={"max_output_tokens": 64_000}),
    "claude-haiku-4-5": _CLAUDE.model_copy(update={"max_output_tokens": 64_000}),
    "claude-3-5-haiku-latest": _CLAUDE,
}
_STOP: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
    "pause_turn": "stop",
}

_ERROR_TYPE_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}


def translate_anthropic_error(exc: BaseException, timeout: float) -> ModelError:
    """The model error for an ``anthropic`` SDK or ``httpx2`` exception."""
    if isinstance(exc, anthropic.APITimeoutError | httpx2.TimeoutException | TimeoutError):
        return ModelTimeoutError(f"Anthropic did not answer within {timeout:g} s.")
    if isinstance(exc, anthropic.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        raw = body.get("error")
        detail: dict[str, Any] = raw if isinstance(raw, dict) else {}
        status = exc.status_code
        if status < 400:  # an ``error`` event inside a 200 stream: the type says what happened
            status = _ERROR_TYPE_STATUS.get(str(detail.get("type")), 500)
        return error_for_status(
            status,
            str(detail.get("message") or exc.message),
            retry_after=parse_retry_after(exc.response.headers.get("retry-after")),
            code=str(detail["type"]) if detail.get("type") else None,
        )
    if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
        return ModelUnavailableError(f"Could not reach Anthropic: {exc}")
    return ModelUnavailableError(f"Anthropic sent an unusable answer: {exc}")


def _raise(exc: BaseException, timeout: float) -> NoReturn:
    raise translate_anthropic_error(exc, timeout) from exc


def _image_block(part: ImagePart) -> dict[str, Any]:
    if part.url.startswith("data:") and ";base64," in part.url:
        head, data = part.url[5:].split(";base64,", 1)
        return {"type": "image", "source": {"type": "base64", "media_type": head, "data": data}}
    return {"type": "image", "source": {"type": "url", "url": part.url}}


def _blocks(message: ChatMessage) -> list[dict[str, Any]]:
    if message.role == "tool":
        return [
            {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id or "",
                "content": message.text(),
            }
        ]
    if isinstance(message.content, str):
        blocks: list[dict[str, Any]] = (
            [{"type": "text", "text": message.content}] if message.content else []
        )
    else:
        blocks = [
            _image_block(p) if isinstance(p, ImagePart) else {"type": "text", "text": p.text}
            for p in message.content
        ]
    for call in message.tool_calls:
        try:
            arguments = json.loads(call.arguments or "{}")
        except json.JSONDecodeError as exc:
            raise ModelBadRequestError(f"Tool call {call.id} has invalid JSON arguments.") from exc
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": arguments})
    return blocks


def request_params(
    model: str, messages: Sequence[ChatMessage], options: ChatOptions, caps: ModelCapabilities
) -> dict[str, Any]:
    """Keyword arguments for ``messages.create`` (without ``stream``)."""
    system = "\n\n".join(m.text() for m in messages if m.role == "system")
    turns: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            continue
        role = "assistant" if message.role == "assistant" else "user"
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(_blocks(message))
        else:
            turns.append({"role": role, "content": _blocks(message)})
    params: dict[str, Any] = {
        "model": model,
        "messages": turns,
        "max_tokens": options.max_tokens or caps.max_output_tokens or 4096,
    }
    if system:
        params["system"] = system
    if options.stop:
        params["stop_sequences"] = list(options.stop)
    if options.tools:
        params["tools"] = [
            {"name": t.name, "description": t.description, "input_schema": t.parameters}
            for t in options.tools
        ]
    if options.tool_choice is not None:
        choice = options.tool_choice
        params["tool_choice"] = {
            "auto": {"type": "auto"},
            "required": {"type": "any"},
            "none": {"type": "none"},
        }.get(choice, {"type": "tool", "name": choice})
    return params


class AnthropicChatModel(ChatModel):
    """Claude through the Messages API."""

    def __init__(
        self, info: ModelInfo, client: Callable[[], anthropic.AsyncAnthropic], *, timeout: float
    ) -> None:
        self.info = info
        self.timeout = timeout
        self._client = client

    async def chat(self, messages: Sequence[ChatMessage], options: ChatOptions) -> ChatResult:
        timeout = self.timeout
        check_capabilities(messages, options, self.info.capabilities, self.info.name)
        params = request_params(self.info.name, messages, options, self.info.capabilities)
        started = time.monotonic()
        try:
            async with asyncio.timeout(timeout):
                answer = await self._client().messages.create(**params, timeout=timeout)
        except (anthropic.AnthropicError, httpx2.HTTPError, TimeoutError) as exc:
            _raise(exc, timeout)
        text = "".join(b.text for b in answer.content if b.type == "text")
        calls = [
            ToolCall(id=b.id, name=b.name, arguments=json.dumps(b.input))
            for b in answer.content
            if b.type == "tool_use"
        ]
        usage = Usage(
            prompt_tokens=answer.usage.input_tokens,
            completion_tokens=answer.usage.output_tokens,
            latency_s=time.monotonic() - started,
        )
        return ChatResult(
            model=answer.model,
            message=ChatMessage(role="assistant", content=text, tool_calls=calls),
            finish_reason=_STOP.get(answer.stop_reason or "end_turn", "stop"),
            usage=usage,
        )

    async def stream(
        self, messages: Sequence[ChatMessage], options: ChatOptions
    ) -> AsyncIterator[ChatDelta]:
        timeout = self.timeout
        check_capabilities(messages, options, self.info.capabilities, self.info.name)
        params = request_params(self.info.name, messages, options, self.info.capabilities)
        started = time.monotonic()
        prompt_tokens = completion_tokens = 0
        reason: FinishReason = "stop"
        tool_index: dict[int, int] = {}
        try:
            async with asyncio.timeout(timeout):
                events = await self._client().messages.create(
                    **params, stream=True, timeout=timeout
                )
            async for event in events:
                if event.type == "message_start":
                    prompt_tokens = event.message.usage.input_tokens
                elif event.type == "content_block_start" and event.content_block.type == "tool_use":
                    tool_index[event.index] = len(tool_index)
                    yield ChatDelta(
                        tool_calls=[
                            ToolCallDelta(
                                index=tool_index[event.index],
                                id=event.content_block.id,
                                name=event.content_block.name,
                            )
                        ]
                    )
                elif event.type == "content_block_delta":
                    if event.delta.type == "text_delta":
                        yield ChatDelta(content=event.delta.text)
                    elif event.delta.type == "input_json_delta":
                        yield ChatDelta(
                            tool_calls=[
                                ToolCallDelta(
                                    index=tool_index.get(event.index, 0),
                                    arguments=event.delta.partial_json,
                                )
                            ]
                        )
                elif event.type == "message_delta":
                    completion_tokens = event.usage.output_tokens
                    reason = _STOP.get(event.delta.stop_reason or "end_turn", "stop")
        except (anthropic.AnthropicError, httpx2.HTTPError, TimeoutError) as exc:
            _raise(exc, timeout)
        yield ChatDelta(
            finish_reason=reason,
            usage=Usage(
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                latency_s=time.monotonic() - started,
            ),
        )


class AnthropicProvider(ModelProvider):
    """Anthropic's Claude models (chat only)."""

    name = "anthropic"
    label = "Anthropic"
    model_types = (ModelType.LLM,)
    credential_schema = (
        CredentialField(name="anthropic_api_key", label="API key", type="secret", required=True),
        CredentialField(
            name="anthropic_api_url",
            label="API URL",
            help="Leave empty for https://api.anthropic.com",
        ),
    )

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        self._clients: LoopBoundCache[anthropic.AsyncAnthropic] = LoopBoundCache(self._build)

    def _build(self, credentials: Mapping[str, Any]) -> anthropic.AsyncAnthropic:
        http_client = None
        if self.context.http_transport is not None:
            http_client = httpx2.AsyncClient(transport=self.context.http_transport)
        return anthropic.AsyncAnthropic(
            api_key=str(credentials.get("anthropic_api_key") or ""),
            base_url=str(credentials.get("anthropic_api_url") or "") or None,
            max_retries=0,
            http_client=http_client,
        )

    def _client(self, credentials: Credentials) -> anthropic.AsyncAnthropic:
        return self._clients.get(credential_fingerprint(self.name, credentials), credentials)

    async def list_models(
        self,
        credentials: Credentials,
        model_type: ModelType | None = None,
    ) -> list[ModelInfo]:
        if model_type not in (None, ModelType.LLM):
            return []
        return [
            ModelInfo(provider=self.name, name=n, type=ModelType.LLM, label=n, capabilities=caps)
            for n, caps in MODELS.items()
        ]

    async def validate_credentials(self, credentials: Credentials) -> None:
        """A one-token message to the smallest model."""
        if not credentials.get("anthropic_api_key"):
            raise ModelBadRequestError("anthropic_api_key is required.", params="anthropic_api_key")
        model = self.chat_model(credentials, "claude-haiku-4-5")
        await model.chat([ChatMessage(role="user", content="ping")], ChatOptions(max_tokens=1))

    def chat_model(self, credentials: Credentials, model: str) -> ChatModel:
        caps = MODELS.get(model, _CLAUDE)
        info = ModelInfo(
            provider=self.name, name=model, type=ModelType.LLM, label=model, capabilities=caps
        )
        frozen = dict(credentials)
        return AnthropicChatModel(info, lambda: self._client(frozen), timeout=self.timeout)

    async def release_clients(self) -> None:
        for client in self._clients.drain_current_loop():
            await client.close()

    async def aclose(self) -> None:
        for client in self._clients.drain():
            try:
                await client.close()
            except RuntimeError:  # its event loop is already closed
                continue


__all__ = ["AnthropicProvider", "request_params", "translate_anthropic_error"]
