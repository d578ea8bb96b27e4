"""Running published workflows (``/v1/workflows/run``) as Dify events, and persisting them.

``prepare`` does everything that can fail with a 4xx before a stream starts (mode, user, version,
unsupported node types, start inputs, concurrency) and records the run as ``running``; ``events``
yields Dify's SSE events (``task_id``/``workflow_run_id`` envelope) and records the outcome and
every node execution in one transaction at the end. A client that disconnects stops the run; a
stop from any replica arrives through the task registry's pub/sub.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from yarrow.db.base import unix_seconds, utcnow
from yarrow.db.models import App, EndUser, WorkflowNodeExecution, WorkflowRun
from yarrow.errors import InvalidInput, NotFound
from yarrow.services.chat.running import RunningTask, TaskRegistry
from yarrow.services.chat.store import ChatStore
from yarrow.services.workflows.adapters import TaskStopSignal
from yarrow.services.workflows.definitions import Compiled, WorkflowDefinitions
from yarrow.services.workflows.store import NOT_FOUND_RUN, WorkflowStore, dumps
from yarrow.workflow import (
    EngineLimits,
    RunInfo,
    WorkflowEngine,
    WorkflowServices,
    validate_start_inputs,
)
from yarrow.workflow.engine import WorkflowRun as EngineRun
from yarrow.workflow.errors import NodeRunError
from yarrow.workflow.events import NodeFinished, NodeStarted, WorkflowEvent, WorkflowFinished
from yarrow.workflow.nodes import builtin_node_types

ServicesFactory = Callable[[App, str | None], WorkflowServices]
"""Builds a run's collaborators for an app (and, in chatflows, a conversation id)."""


@dataclass(frozen=True)
class RunRequest:
    """A validated-shape ``/workflows/run`` body."""

    user: str
    inputs: dict[str, Any]
    files: tuple[dict[str, Any], ...] = ()
    workflow_id: str | None = None
    user_type: str = "service-api"
    triggered_from: str = "service-api"


@dataclass
class PreparedRun:
    """A run that passed every check and is recorded as ``running``."""

    app: App
    end_user: EndUser
    compiled: Compiled
    task: RunningTask
    run_id: str
    engine_run: EngineRun
    nodes: list[WorkflowNodeExecution] = field(default_factory=list)
    finished: dict[str, Any] | None = None
    started: float = field(default_factory=time.monotonic)

    def envelope(self) -> dict[str, Any]:
        return {"task_id": self.task.task_id, "workflow_run_id": self.run_id}


def check_inputs(compiled: Compiled, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Start-form validation as a 400 ``invalid_param`` naming the variable."""
    try:
        return validate_start_inputs(compiled.start_form, inputs)
    except NodeRunError as exc:
        raise InvalidInput(exc.message, params="inputs") from exc


class WorkflowRunner:
    """Runs workflow apps for the Service API and records runs and node executions."""

    def __init__(
        self,
        definitions: WorkflowDefinitions,
        store: WorkflowStore,
        chat_store: ChatStore,
        tasks: TaskRegistry,
        services_factory: ServicesFactory,
        limits: EngineLimits | None = None,
    ) -> None:
        self.definitions = definitions
        self.store = store
        self.chat_store = chat_store
        self.tasks = tasks
        self._services = services_factory
        self.limits = limits or EngineLimits()
        self.node_types = builtin_node_types()

    def engine(self, app: App, conversation_id: str | None) -> WorkflowEngine:
        """An engine with this run's collaborators (cheap: registry and limits are shared)."""
        services = self._services(app, conversation_id)
        return WorkflowEngine(services=services, limits=self.limits, node_types=self.node_types)

    async def prepare(self, app: App, request: RunRequest) -> PreparedRun:
        """Check and record a run; raises a YarrowError before any output."""
        if app.mode != "workflow":
            raise InvalidInput(
                "Please check if your app mode matches the right API route.",
                code="not_workflow_app",
            )
        if not request.user:
            raise InvalidInput("Arg user must be provided.", params="user")

        def load() -> tuple[EndUser, Compiled]:
            end_user = self.chat_store.end_user(app, request.user, request.user_type)
            return end_user, self.definitions.compiled(app, request.workflow_id)

        end_user, compiled = await asyncio.to_thread(load)
        compiled.graph.ensure_runnable(self.node_types)
        inputs = check_inputs(compiled, request.inputs)
        run_id = str(uuid.uuid4())
        task = self.tasks.start(str(uuid.uuid4()), app.id, app.name, end_user.id)
        engine_run = self.engine(app, None).start(
            compiled.graph,
            inputs=inputs,
            run=RunInfo(run_id, compiled.workflow_id, app.id, end_user.session_id, mode=app.mode),
            system={"files": list(request.files)},
            environment=compiled.dsl.environment_variables,
            stop_signal=TaskStopSignal(task),
        )
        row = WorkflowRun(
            id=run_id,
            tenant_id=app.tenant_id,
            app_id=app.id,
            workflow_id=compiled.workflow_id,
            type=app.mode,
            triggered_from=request.triggered_from,
            version=compiled.version,
            task_id=task.task_id,
            inputs=dumps(inputs),
            created_by_role="end_user",
            created_by=end_user.id,
        )
        try:
            await asyncio.to_thread(self.store.start_run, row)
        except BaseException:
            self.tasks.finish(task)
            raise
        return PreparedRun(app, end_user, compiled, task, run_id, engine_run)

    async def events(self, prepared: PreparedRun) -> AsyncIterator[dict[str, Any]]:
        """Dify's workflow SSE events; always records the outcome and frees the task."""
        try:
            async for event in self.engine_events(prepared):
                yield {"event": event.name, **prepared.envelope(), "data": event.data()}
        finally:
            await self.close(prepared)

    async def engine_events(self, prepared: PreparedRun) -> AsyncIterator[WorkflowEvent]:
        """The engine's events, with node executions and the outcome collected for recording."""
        async for event in prepared.engine_run.events():
            if isinstance(event, NodeStarted | NodeFinished) and event.name != "node_retry":
                self._collect(prepared, event)
            elif isinstance(event, WorkflowFinished):
                prepared.finished = event.data()
            yield event

    async def blocking(self, prepared: PreparedRun) -> dict[str, Any]:
        """Dify's blocking body: ``{task_id, workflow_run_id, data: <workflow_finished>}``."""
        async for _ in self.events(prepared):
            pass
        return {**prepared.envelope(), "data": prepared.finished}

    async def close(self, prepared: PreparedRun) -> None:
        """Record the outcome (``stopped`` when the run never finished) and free the task."""
        try:
            await asyncio.shield(asyncio.to_thread(self._record, prepared))
        finally:
            self.tasks.finish(prepared.task)

    async def run_draft_node(
        self, app: App, node_id: str, variables: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Run one node of the draft (a container with its body); its ``node_finished`` data."""
        row = await asyncio.to_thread(self.definitions.draft, app)
        compiled = self.definitions.compile_row(app, row)
        engine = self.engine(app, None)
        run = engine.start_single_node(
            compiled.graph,
            node_id,
            variables=variables,
            run=RunInfo(str(uuid.uuid4()), row.id, app.id, "", mode=app.mode),
            environment=compiled.dsl.environment_variables,
            conversation=compiled.dsl.conversation_defaults,
            conversation_types=compiled.dsl.conversation_types,
        )
        finished: dict[str, Any] = {}
        async for event in run.events():
            if isinstance(event, NodeFinished) and event.node_id == node_id:
                finished = event.data()
        if not finished:
            result = run.result_value
            raise InvalidInput(result.error if result and result.error else "The node did not run.")
        return finished

    async def reattach(
        self, app: App, run_id: str, user: str | None, poll_interval: float = 0.2
    ) -> AsyncIterator[dict[str, Any]]:
        """``GET /v1/workflow/{run_id}/events`` from any replica: waits (polling the database)
        until the run ends, then sends its ``workflow_finished`` event. Only its end user may."""
        if not user:
            raise InvalidInput("Arg user must be provided.", params="user")

        def load() -> WorkflowRun:
            row = self.store.run(app.id, run_id)
            end_user = self.chat_store.end_user(app, user)
            if row.created_by != end_user.id:
                raise NotFound(NOT_FOUND_RUN, code="not_found")
            return row

        row = await asyncio.to_thread(load)

        async def events() -> AsyncIterator[dict[str, Any]]:
            current = row
            while current.finished_at is None:
                await asyncio.sleep(poll_interval)
                current = await asyncio.to_thread(self.store.run, app.id, run_id)
            yield {
                "event": "workflow_finished",
                "task_id": current.task_id,
                "workflow_run_id": current.id,
                "data": finished_json(current),
            }

        return events()

    def stop(self, app: App, task_id: str, user: str | None) -> None:
        """Stop a run of this end user on any replica (another user's task: silent no-op)."""
        if not user:
            raise InvalidInput("Arg user must be provided.", params="user")
        end_user = self.chat_store.end_user(app, user)
        self.tasks.stop(task_id, app.id, end_user.id)

    # --- recording -------------------------------------------------------------------------

    @staticmethod
    def _collect(prepared: PreparedRun, event: NodeStarted | NodeFinished) -> None:
        if isinstance(event, NodeStarted):
            return
        data = event.data()
        now = utcnow()
        prepared.nodes.append(
            WorkflowNodeExecution(
                id=event.id,
                tenant_id=prepared.app.tenant_id,
                app_id=prepared.app.id,
                workflow_id=prepared.compiled.workflow_id,
                workflow_run_id=prepared.run_id,
                index=event.index,
                predecessor_node_id=event.predecessor_node_id,
                node_id=event.node_id,
                node_type=event.node_type,
                title=event.title[:255],
                inputs=dumps(event.inputs),
                process_data=dumps(event.process_data or {}),
                outputs=dumps(event.outputs or {}),
                status=event.status,
                error=event.error,
                elapsed_time=event.elapsed_time,
                execution_metadata=dumps(data["execution_metadata"]),
                created_at=now - timedelta(seconds=event.elapsed_time),
                finished_at=now,
            )
        )

    def _record(self, prepared: PreparedRun) -> None:
        result = prepared.engine_run.result_value
        finished = prepared.finished or {}
        self.store.finish_run(
            prepared.run_id,
            prepared.nodes,
            status=result.status if result else "stopped",
            outputs=dumps(result.outputs if result else {}),
            error=result.error if result else "Workflow execution stopped by user.",
            elapsed_time=float(finished.get("elapsed_time") or time.monotonic() - prepared.started),
            total_tokens=result.usage.total_tokens if result else 0,
            total_steps=result.total_steps if result else len(prepared.nodes),
            exceptions_count=result.exceptions_count if result else 0,
            finished_at=utcnow(),
        )
        prepared.nodes = []


def finished_json(run: WorkflowRun) -> dict[str, Any]:
    """The ``workflow_finished`` data of a recorded run."""
    return {
        "id": run.id,
        "workflow_id": run.workflow_id,
        "status": run.status,
        "outputs": json.loads(run.outputs or "{}"),
        "error": run.error,
        "elapsed_time": run.elapsed_time,
        "total_tokens": run.total_tokens,
        "total_steps": run.total_steps,
        "created_by": {},
        "created_at": unix_seconds(run.created_at),
        "finished_at": unix_seconds(run.finished_at),
        "exceptions_count": run.exceptions_count,
        "files": [],
    }


def run_json(run: WorkflowRun) -> dict[str, Any]:
    """``GET /v1/workflows/run/{id}`` body (Dify's WorkflowRunDetailResponse)."""
    return {
        "id": run.id,
        "workflow_id": run.workflow_id,
        "status": run.status,
        "inputs": run.inputs,
        "outputs": json.loads(run.outputs or "{}"),
        "error": run.error,
        "total_steps": run.total_steps,
        "total_tokens": run.total_tokens,
        "created_at": unix_seconds(run.created_at),
        "finished_at": unix_seconds(run.finished_at),
        "elapsed_time": run.elapsed_time,
    }
