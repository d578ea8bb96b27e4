"""Answering chat and completion requests, as a stream of Dify events.

``prepare`` does every check that can fail before a response starts (mode, user, inputs,
conversation, model, concurrency) and records the message; ``events`` then yields Dify's events
(``message`` or ``agent_message`` deltas, then ``message_end``; a failure after the start becomes
an ``error`` event). ``blocking`` consumes the same events and returns Dify's blocking body.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

from yarrow.db.base import unix_seconds
from yarrow.db.models import App, Conversation, EndUser, Message
from yarrow.errors import InvalidInput, NotFound, YarrowError
from yarrow.models import ChatMessage, ChatOptions, ModelError, ModelType
from yarrow.models.resilient import ResilientChatModel
from yarrow.models.types import Usage
from yarrow.services.chat.agent import (
    DEFAULT_MAX_ITERATIONS,
    AgentRun,
    function_calling,
    max_iterations,
    react,
)
from yarrow.services.chat.app_config import AppConfig, render_prompt, validate_inputs
from yarrow.services.chat.running import RunningTask, TaskRegistry
from yarrow.services.chat.store import ChatStore
from yarrow.services.chat.tools import AgentTool, ToolCatalog
from yarrow.services.files import FileService
from yarrow.services.knowledge.app_context import AppContext, AppKnowledge
from yarrow.services.model_providers import ModelProviderService

Kind = Literal["chat", "completion"]
CHAT_MODES = ("chat", "agent-chat")
HISTORY_MESSAGES = 10
_PARAMS = ("temperature", "top_p", "max_tokens", "seed")


@dataclass(frozen=True)
class GenerateRequest:
    """A validated-shape request of ``/chat-messages`` or ``/completion-messages``."""

    kind: Kind
    user: str
    inputs: dict[str, Any]
    query: str = ""
    conversation_id: str | None = None
    auto_generate_name: bool = True
    files: tuple[dict[str, Any], ...] = ()
    user_type: str = "service-api"
    history: tuple[ChatMessage, ...] = ()
    """Earlier turns sent by the client (OpenAI-style); used when there is no conversation."""


@dataclass
class Generation:
    """Everything one answer needs, created by :meth:`ChatService.prepare`."""

    app: App
    end_user: EndUser
    config: AppConfig
    conversation: Conversation | None
    message: Message
    task: RunningTask
    model: ResilientChatModel | None
    prompt: list[ChatMessage]
    options: ChatOptions
    preset_answer: str | None = None
    tools: dict[str, AgentTool] = field(default_factory=dict)
    max_iterations: int = DEFAULT_MAX_ITERATIONS
    thoughts: list[dict[str, Any]] = field(default_factory=list)
    answer: list[str] = field(default_factory=list)
    usage: Usage | None = None
    started: float = field(default_factory=time.monotonic)
    context: AppContext = field(default_factory=AppContext)

    def envelope(self) -> dict[str, Any]:
        """Fields every event of this generation carries."""
        base: dict[str, Any] = {
            "task_id": self.task.task_id,
            "id": self.message.id,
            "message_id": self.message.id,
            "created_at": unix_seconds(self.message.created_at),
        }
        if self.conversation is not None:
            base["conversation_id"] = self.conversation.id
        return base


def usage_json(usage: Usage | None, latency: float) -> dict[str, Any]:
    """Dify's usage object (prices are not tracked: zero, in USD)."""
    prompt = usage.prompt_tokens if usage else 0
    completion = usage.completion_tokens if usage else 0
    return {
        "prompt_tokens": prompt,
        "prompt_unit_price": "0",
        "prompt_price_unit": "0",
        "prompt_price": "0",
        "completion_tokens": completion,
        "completion_unit_price": "0",
        "completion_price_unit": "0",
        "completion_price": "0",
        "total_tokens": prompt + completion,
        "total_price": "0",
        "currency": "USD",
        "latency": round(latency, 3),
    }


def error_fields(exc: BaseException) -> dict[str, Any]:
    """``code``, ``status`` and ``message`` of an error event, as Dify maps them."""
    if isinstance(exc, ModelError):
        return {"code": "completion_request_error", "status": 400, "message": str(exc)}
    if isinstance(exc, YarrowError):
        return {"code": exc.error_code, "status": exc.status, "message": exc.message}
    return {
        "code": "internal_server_error",
        "status": 500,
        "message": "Internal Server Error, please contact support.",
    }


@dataclass
class _Loaded:
    """What one request needs from SQL before a model is called."""

    config: AppConfig
    inputs: dict[str, Any]
    end_user: EndUser
    conversation: Conversation | None
    history: list[Message]
    credentials: dict[str, Any] | None


class ChatService:
    """Runs chat, completion and (tool-less) agent-chat apps."""

    def __init__(
        self,
        store: ChatStore,
        providers: ModelProviderService,
        tasks: TaskRegistry,
        catalog: ToolCatalog,
        max_query_chars: int = 100_000,
        files: FileService | None = None,
        knowledge: AppKnowledge | None = None,
    ) -> None:
        self.store = store
        self.providers = providers
        self.tasks = tasks
        self.catalog = catalog
        self._max_query = max_query_chars
        self.files = files
        self.knowledge = knowledge

    async def prepare(self, app: App, request: GenerateRequest) -> Generation:
        """Check the request and record the message; raises a YarrowError before any output."""
        self._check_mode(app, request.kind)
        if not request.user:
            raise InvalidInput("Arg user must be provided.", params="user")
        if request.kind == "chat" and not request.query.strip():
            raise InvalidInput("query is required.", params="query")
        if len(request.query) > self._max_query:
            raise InvalidInput(
                f"query must be at most {self._max_query} characters.", params="query"
            )
        loaded = await asyncio.to_thread(self._load, app, request)
        config, inputs, end_user = loaded.config, loaded.inputs, loaded.end_user
        conversation = loaded.conversation
        preset = self._moderate(config, request.query, inputs)
        provider, model_name, model = "", "", None
        if preset is None:
            provider, model_name, model = await self._model(app, loaded)
        prompt = self._prompt(config, request, inputs, loaded.history)
        context = AppContext()
        if preset is None and self.knowledge is not None and config.dataset_configs:
            context = await self.knowledge.context(
                app.tenant_id, config.dataset_configs, request.query, end_user.id
            )
            prompt = context.apply(prompt)
        options = _options(config)
        task = self.tasks.start(str(uuid.uuid4()), app.id, app.name, end_user.id)
        try:
            name = request.query.strip()[:40] if request.kind == "chat" else None
            conversation, message = await asyncio.to_thread(
                lambda: self.store.start_message(
                    app=app,
                    end_user=end_user,
                    conversation=conversation,
                    query=request.query,
                    inputs=inputs,
                    provider=provider,
                    model=model_name,
                    new_conversation_name=name,
                )
            )
        except BaseException:
            self.tasks.finish(task)
            raise
        generation = Generation(
            app, end_user, config, conversation, message, task, model, prompt, options, preset
        )
        generation.context = context
        if app.mode == "agent-chat":
            generation.tools = self.catalog.toolbox(config.agent_mode)
            generation.max_iterations = max_iterations(config.agent_mode)
        return generation

    async def events(self, gen: Generation) -> AsyncIterator[dict[str, Any]]:
        """Dify events for ``gen``; always finishes the task and records the outcome."""
        event_name = "agent_message" if gen.app.mode == "agent-chat" else "message"
        try:
            async for kind, payload in self._steps(gen):
                if kind == "thought":
                    yield {"event": "agent_thought", **gen.envelope(), **payload}
                else:
                    yield {"event": event_name, **gen.envelope(), "answer": payload}
            latency = time.monotonic() - gen.started
            await asyncio.to_thread(self._record, gen, "normal", None, latency)
            yield {
                "event": "message_end",
                **gen.envelope(),
                "metadata": {
                    "usage": usage_json(gen.usage, latency),
                    "retriever_resources": gen.context.resources()
                    if gen.config.retriever_resource.enabled
                    else [],
                    **({"knowledge_notes": gen.context.notes} if gen.context.notes else {}),
                },
            }
        except (ModelError, YarrowError) as exc:
            await asyncio.to_thread(
                self._record, gen, "error", str(exc), time.monotonic() - gen.started
            )
            envelope = {k: v for k, v in gen.envelope().items() if k != "task_id"}
            yield {"event": "error", **envelope, **error_fields(exc)}
        except (asyncio.CancelledError, GeneratorExit):
            # the client went away: keep what was generated, marked as stopped
            self._record(gen, "stopped", None, time.monotonic() - gen.started)
            raise
        finally:
            self.tasks.finish(gen.task)

    async def blocking(self, gen: Generation) -> dict[str, Any]:
        """Dify's blocking response body; a failure raises the matching YarrowError."""
        metadata: dict[str, Any] = {}
        async for event in self.events(gen):
            if event["event"] == "error":
                raise (
                    YarrowError(event["message"], code=event["code"])
                    if event["status"] >= 500
                    else InvalidInput(event["message"], code=event["code"])
                )
            if event["event"] == "message_end":
                metadata = event["metadata"]
        body = {
            "event": "message",
            **gen.envelope(),
            "mode": gen.app.mode,
            "answer": "".join(gen.answer),
            "metadata": metadata,
        }
        return body

    # --- internals -------------------------------------------------------------------------------

    async def _steps(self, gen: Generation) -> AsyncIterator[tuple[str, Any]]:
        """``("text", delta)`` and, for agents, ``("thought", record)`` until done or stopped."""
        if gen.preset_answer is not None:
            gen.answer.append(gen.preset_answer)
            yield "text", gen.preset_answer
            return
        assert gen.model is not None
        if gen.tools:
            run = AgentRun(gen.model, gen.tools, gen.options, gen.max_iterations, gen.thoughts)
            loop = function_calling if gen.model.info.capabilities.tool_calling else react
            try:
                async for kind, payload in loop(run, gen.prompt):
                    if kind == "text":
                        gen.answer.append(payload)
                    yield kind, payload
                    if gen.task.stopped.is_set():
                        break
            finally:
                gen.usage = run.usage
            return
        async for delta in gen.model.stream(gen.prompt, gen.options):
            if delta.usage is not None:
                gen.usage = delta.usage
            if delta.content:
                gen.answer.append(delta.content)
                yield "text", delta.content
            if gen.task.stopped.is_set():
                break

    def _check_files(self, app: App, end_user: EndUser, files: tuple[dict[str, Any], ...]) -> None:
        """Every referenced upload must be this end user's, in this app (else 404)."""
        for item in files:
            if not isinstance(item, dict):
                raise InvalidInput("Each file must be an object.", params="files")
            method = item.get("transfer_method")
            if method == "local_file":
                file_id = str(item.get("upload_file_id") or "")
                if self.files is None or not file_id:
                    raise InvalidInput("upload_file_id is required.", params="files")
                self.files.get(
                    file_id, tenant_id=app.tenant_id, end_user_id=end_user.id, app_id=app.id
                )
                self.files.mark_used(file_id)
            elif method == "remote_url":
                if not str(item.get("url") or "").startswith(("http://", "https://")):
                    raise InvalidInput("A remote file needs an http(s) url.", params="files")
            else:
                raise InvalidInput(
                    "transfer_method must be local_file or remote_url.", params="files"
                )

    def _record(self, gen: Generation, status: str, error: str | None, latency: float) -> None:
        usage = gen.usage
        self.store.finish_message(
            gen.message.id,
            answer="".join(gen.answer),
            status=status,
            error=error,
            message_tokens=usage.prompt_tokens if usage else 0,
            answer_tokens=usage.completion_tokens if usage else 0,
            latency=latency,
            metadata_json=json.dumps({"agent_thoughts": gen.thoughts}, ensure_ascii=False),
        )

    @staticmethod
    def _check_mode(app: App, kind: Kind) -> None:
        if kind == "chat" and app.mode not in CHAT_MODES:
            if app.mode == "advanced-chat":
                raise InvalidInput(
                    "Chatflow (advanced-chat) apps cannot run yet in this version of Yarrow.",
                    code="app_unavailable",
                )
            raise InvalidInput(
                "Please check if your app mode matches the right API route.", code="not_chat_app"
            )
        if kind == "completion" and app.mode != "completion":
            raise InvalidInput(
                "App unavailable, please check your app configurations.", code="app_unavailable"
            )

    @staticmethod
    def _moderate(config: AppConfig, query: str, inputs: dict[str, Any]) -> str | None:
        words = config.sensitive_word_avoidance
        if not words.enabled:
            return None
        text = " ".join([query, *[str(v) for v in inputs.values()]]).lower()
        return words.preset() if any(k in text for k in words.keywords()) else None

    def _load(self, app: App, request: GenerateRequest) -> _Loaded:
        """Everything ``prepare`` reads from SQL, in one worker-thread hop."""
        config = self.store.config(app.id)
        inputs = validate_inputs(config, request.inputs)
        end_user = self.store.end_user(app, request.user, request.user_type)
        if request.files:
            self._check_files(app, end_user, request.files)
        conversation, history = None, []
        if request.kind == "chat" and request.conversation_id:
            conversation = self.store.conversation(app.id, end_user.id, request.conversation_id)
            if conversation.status != "normal":
                raise InvalidInput("Conversation has ended.", code="conversation_completed")
            history = self.store.history(conversation.id, HISTORY_MESSAGES)
        provider = config.model.provider if config.model.name else ""
        credentials = self._credentials(app, provider) if provider else None
        return _Loaded(config, inputs, end_user, conversation, history, credentials)

    def _credentials(self, app: App, provider: str) -> dict[str, Any]:
        try:
            return self.providers.credentials_for(app.tenant_id, provider)
        except NotFound as exc:
            raise InvalidInput(
                f"Model provider '{provider}' is not available; choose a model for this app.",
                code="provider_not_initialize",
            ) from exc

    async def _model(self, app: App, loaded: _Loaded) -> tuple[str, str, ResilientChatModel]:
        provider, name = loaded.config.model.provider, loaded.config.model.name
        credentials = loaded.credentials
        if credentials is None or not provider or not name:
            choice = await self.providers.default_model(app.tenant_id, ModelType.LLM)
            provider, name = choice.provider, choice.model
            credentials = await asyncio.to_thread(self._credentials, app, provider)
        return provider, name, self.providers.runtime.chat_model(provider, credentials, name)

    @staticmethod
    def _prompt(
        config: AppConfig,
        request: GenerateRequest,
        inputs: dict[str, Any],
        history: list[Message],
    ) -> list[ChatMessage]:
        system = render_prompt(config.pre_prompt, inputs).strip()
        messages: list[ChatMessage] = []
        if request.kind == "completion":
            text = "\n\n".join(p for p in (system, request.query) if p)
            return [ChatMessage(role="user", content=text or " ")]
        if system:
            messages.append(ChatMessage(role="system", content=system))
        for past in history:
            messages.append(ChatMessage(role="user", content=past.query))
            messages.append(ChatMessage(role="assistant", content=past.answer))
        if not history and request.conversation_id is None:
            messages.extend(request.history)
        messages.append(ChatMessage(role="user", content=request.query))
        return messages


def _options(config: AppConfig) -> ChatOptions:
    params = config.model.completion_params
    values: dict[str, Any] = {k: params[k] for k in _PARAMS if params.get(k) is not None}
    stop = params.get("stop")
    if isinstance(stop, list):
        values["stop"] = [str(s) for s in stop][:4]
    try:
        return ChatOptions(**values)
    except ValueError as exc:
        raise InvalidInput(
            f"Invalid completion parameters: {exc}", params="completion_params"
        ) from exc
