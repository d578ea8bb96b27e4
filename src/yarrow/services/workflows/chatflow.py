"""Chatflow (``advanced-chat``) apps through ``/v1/chat-messages``.

The message and conversation are recorded as for chat apps; the published workflow runs with
``sys.query``, ``sys.files``, ``sys.conversation_id`` and ``sys.dialogue_count``, and the
conversation variables stored for the conversation (the DSL defaults for a new one). Answer text
streams as ``message`` events; the workflow's own events go out alongside, as in Dify; the stream
ends with ``message_end``. The message answer is the run's answer; failures end with ``error``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from yarrow.db.base import unix_seconds
from yarrow.db.models import App, Conversation, Message, WorkflowRun
from yarrow.errors import InvalidInput
from yarrow.services.chat.generation import GenerateRequest, error_fields, usage_json
from yarrow.services.chat.store import ChatStore
from yarrow.services.workflows.adapters import TaskStopSignal
from yarrow.services.workflows.definitions import Compiled
from yarrow.services.workflows.running import PreparedRun, WorkflowRunner, check_inputs
from yarrow.services.workflows.store import dumps
from yarrow.workflow import RunInfo
from yarrow.workflow.events import TextChunk

MAX_DIALOGUE = 10_000


@dataclass
class PreparedChat:
    """A chatflow turn: its workflow run plus the message and conversation it answers."""

    run: PreparedRun
    conversation: Conversation
    message: Message

    def envelope(self) -> dict[str, Any]:
        return {
            "task_id": self.run.task.task_id,
            "id": self.message.id,
            "message_id": self.message.id,
            "conversation_id": self.conversation.id,
            "created_at": unix_seconds(self.message.created_at),
        }


class ChatflowRunner:
    """Answers ``chat-messages`` of advanced-chat apps with their published workflow."""

    def __init__(self, runner: WorkflowRunner, chat_store: ChatStore) -> None:
        self.runner = runner
        self.chat_store = chat_store

    async def prepare(self, app: App, request: GenerateRequest) -> PreparedChat:
        """Check the request, record the message and the run; raises before any output."""
        if not request.user:
            raise InvalidInput("Arg user must be provided.", params="user")
        if not request.query.strip():
            raise InvalidInput("query is required.", params="query")
        runner = self.runner
        loaded = await asyncio.to_thread(self._load, app, request)
        compiled, end_user, conversation, dialogue, variables = loaded
        compiled.graph.ensure_runnable(runner.node_types)
        inputs = check_inputs(compiled, request.inputs)
        task = runner.tasks.start(str(uuid.uuid4()), app.id, app.name, end_user.id)
        try:
            conversation, message = await asyncio.to_thread(
                lambda: self.chat_store.start_message(
                    app=app,
                    end_user=end_user,
                    conversation=conversation,
                    query=request.query,
                    inputs=inputs,
                    provider="",
                    model="",
                    new_conversation_name=request.query.strip()[:40],
                )
            )
            assert conversation is not None
            if variables is None:
                variables = compiled.dsl.conversation_defaults
            run_id = str(uuid.uuid4())
            engine_run = runner.engine(app, conversation.id).start(
                compiled.graph,
                inputs=inputs,
                run=RunInfo(
                    run_id, compiled.workflow_id, app.id, end_user.session_id, mode=app.mode
                ),
                system={
                    "query": request.query,
                    "files": list(request.files),
                    "conversation_id": conversation.id,
                    "dialogue_count": dialogue + 1,
                },
                environment=compiled.dsl.environment_variables,
                conversation=variables,
                conversation_types=compiled.dsl.conversation_types,
                stop_signal=TaskStopSignal(task),
            )
            row = WorkflowRun(
                id=run_id,
                tenant_id=app.tenant_id,
                app_id=app.id,
                workflow_id=compiled.workflow_id,
                type=app.mode,
                triggered_from=request.user_type,
                version=compiled.version,
                task_id=task.task_id,
                inputs=dumps({**inputs, "sys.query": request.query}),
                created_by_role="end_user",
                created_by=end_user.id,
                conversation_id=conversation.id,
                message_id=message.id,
            )
            await asyncio.to_thread(runner.store.start_run, row)
        except BaseException:
            runner.tasks.finish(task)
            raise
        prepared = PreparedRun(app, end_user, compiled, task, run_id, engine_run)
        return PreparedChat(prepared, conversation, message)

    async def events(self, chat: PreparedChat) -> AsyncIterator[dict[str, Any]]:
        """Workflow events with answer text as ``message`` events, then ``message_end``."""
        prepared = chat.run
        envelope = chat.envelope()
        try:
            async for event in self.runner.engine_events(prepared):
                if isinstance(event, TextChunk):
                    yield {"event": "message", **envelope, "answer": event.text}
                    continue
                yield {
                    "event": event.name,
                    **prepared.envelope(),
                    "data": event.data(),
                }
            result = prepared.engine_run.result_value
            assert result is not None
            await asyncio.to_thread(self._finish, chat)
            if result.status in ("failed",):
                fields = {"code": "workflow_run_failed", "status": 500, "message": result.error}
                yield {"event": "error", **envelope, **fields}
                return
            yield {
                "event": "message_end",
                **envelope,
                "metadata": {
                    "usage": usage_json(None, 0.0) | _usage(result.usage),
                    "retriever_resources": [],
                },
                "files": [],
            }
        except InvalidInput as exc:
            yield {"event": "error", **envelope, **error_fields(exc)}
        finally:
            if prepared.engine_run.result_value is None:  # the client went away mid-run
                await asyncio.shield(
                    asyncio.to_thread(
                        self.chat_store.finish_message, chat.message.id, status="stopped"
                    )
                )
            await self.runner.close(prepared)

    async def blocking(self, chat: PreparedChat) -> dict[str, Any]:
        """Dify's blocking chat body; a failed run raises."""
        metadata: dict[str, Any] = {}
        answer: list[str] = []
        async for event in self.events(chat):
            if event["event"] == "error":
                raise InvalidInput(str(event["message"]), code=str(event["code"]))
            if event["event"] == "message":
                answer.append(event["answer"])
            elif event["event"] == "message_end":
                metadata = event["metadata"]
        result = chat.run.engine_run.result_value
        text = result.answer if result is not None else "".join(answer)
        return {
            "event": "message",
            **chat.envelope(),
            "mode": "advanced-chat",
            "answer": text,
            "metadata": metadata,
        }

    def _load(
        self, app: App, request: GenerateRequest
    ) -> tuple[Compiled, Any, Conversation | None, int, dict[str, Any] | None]:
        compiled = self.runner.definitions.compiled(app)
        end_user = self.chat_store.end_user(app, request.user, request.user_type)
        conversation, dialogue, variables = None, 0, None
        if request.conversation_id:
            conversation = self.chat_store.conversation(
                app.id, end_user.id, request.conversation_id
            )
            if conversation.status != "normal":
                raise InvalidInput("Conversation has ended.", code="conversation_completed")
            dialogue = len(self.chat_store.history(conversation.id, MAX_DIALOGUE))
            variables = self.runner.store.conversation_variables(conversation.id)
        return compiled, end_user, conversation, dialogue, variables

    def _finish(self, chat: PreparedChat) -> None:
        result = chat.run.engine_run.result_value
        assert result is not None
        status = {"succeeded": "normal", "partial-succeeded": "normal"}.get(result.status)
        self.chat_store.finish_message(
            chat.message.id,
            answer=result.answer,
            status=status or ("stopped" if result.status == "stopped" else "error"),
            error=result.error,
            message_tokens=result.usage.prompt_tokens,
            answer_tokens=result.usage.completion_tokens,
            latency=round(time.monotonic() - chat.run.started, 3),
        )
        self.runner.store.save_conversation_variables(
            chat.run.app.id, chat.conversation.id, result.conversation_variables
        )


def _usage(usage: Any) -> dict[str, Any]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }
