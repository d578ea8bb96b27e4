"""The graph engine: runs a :class:`Graph` over a :class:`VariablePool` and streams events.

Contract (Dify §6.3):
- A node becomes ready when none of its incoming edges is undecided and at least one is taken;
  when all are skipped it is skipped, and the skip propagates. Ready nodes run concurrently as
  asyncio tasks, so parallel branches overlap their waiting (model calls, HTTP, sandbox).
- After a node succeeds its outgoing edges are taken, except that a branch node (if-else,
  question-classifier) takes only edges whose ``sourceHandle`` equals its chosen handle, and a
  node with ``error_strategy: fail-branch`` takes its ``fail-branch`` edge only when it fails.
- Failures: retries first (``retry_config``), then the error strategy (fail-branch, default-value:
  status ``exception``, run ends ``partial-succeeded``), else the run fails.
- Limits: ``max_steps`` node runs (containers' bodies included), ``max_execution_time`` seconds,
  ``max_call_depth`` of nested workflow calls. Stop: :meth:`WorkflowRun.stop` or a
  :class:`StopSignal` polled every ``stop_poll_interval`` seconds (e.g. Redis, from any replica).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from yarrow.workflow.errors import ExecutionLimitError, GraphError
from yarrow.workflow.events import TokenUsage, WorkflowEvent, WorkflowFinished, WorkflowStarted
from yarrow.workflow.executor import GraphExecutor, RunState
from yarrow.workflow.graph import Graph
from yarrow.workflow.nodes import builtin_node_types
from yarrow.workflow.nodes.base import Node, RunInfo
from yarrow.workflow.ports import StopSignal, WorkflowServices
from yarrow.workflow.variables import EnvironmentVariable, VariablePool


@dataclass(frozen=True)
class EngineLimits:
    """``WORKFLOW_MAX_EXECUTION_STEPS``, ``WORKFLOW_MAX_EXECUTION_TIME``, call depth."""

    max_steps: int = 500
    max_execution_time: float = 1200.0
    max_call_depth: int = 5
    stop_poll_interval: float = 0.1
    max_variable_size: int | None = 204800
    #: nodes doing work at once in one run (Dify's GRAPH_ENGINE_MAX_WORKERS); None = no cap.
    #: Containers do not count, their body nodes do.
    max_parallel_nodes: int | None = None


@dataclass
class RunResult:
    """The terminal state of a run (also carried by its :class:`WorkflowFinished` event)."""

    status: str
    outputs: dict[str, Any]
    error: str | None
    total_steps: int
    usage: TokenUsage
    exceptions_count: int
    answer: str
    conversation_variables: dict[str, Any] = field(default_factory=dict)


class WorkflowEngine:
    """Holds the node registry, limits and collaborators; :meth:`start` creates runs."""

    def __init__(
        self,
        *,
        services: WorkflowServices | None = None,
        limits: EngineLimits | None = None,
        node_types: Mapping[str, type[Node]] | None = None,
    ) -> None:
        self.services = services or WorkflowServices()
        self.limits = limits or EngineLimits()
        self.node_types = dict(node_types if node_types is not None else builtin_node_types())

    def start(
        self,
        graph: Graph,
        *,
        inputs: Mapping[str, Any] | None = None,
        run: RunInfo | None = None,
        system: Mapping[str, Any] | None = None,
        environment: Sequence[EnvironmentVariable] = (),
        conversation: Mapping[str, Any] | None = None,
        conversation_types: Mapping[str, str] | None = None,
        stop_signal: StopSignal | None = None,
    ) -> WorkflowRun:
        """Check the graph and prepare a run; iterate :meth:`WorkflowRun.events` to execute it.

        ``conversation_types`` (name -> ``value_type``, e.g. ``AppDsl.conversation_types``)
        lets assigners refuse values of the wrong type. Raises ``UnsupportedNodesError``/
        ``GraphError`` before anything runs, ``ExecutionLimitError`` past the call depth.
        """
        graph.ensure_runnable(self.node_types)
        info = run or RunInfo(run_id=str(uuid.uuid4()))
        if info.call_depth > self.limits.max_call_depth:
            raise ExecutionLimitError(
                f"Max workflow call depth {self.limits.max_call_depth} reached."
            )
        sys_values = {
            "user_id": info.user_id,
            "app_id": info.app_id,
            "workflow_id": info.workflow_id,
            "workflow_run_id": info.run_id,
            "files": [],
            "timestamp": int(time.time()),
            **(system or {}),
        }
        if info.mode != "advanced-chat":  # chat-only system variables (Dify §6.1)
            for key in ("query", "conversation_id", "dialogue_count"):
                sys_values.pop(key, None)
        pool = VariablePool(
            system=sys_values,
            environment=environment,
            conversation=conversation,
            conversation_types=conversation_types,
            max_variable_size=self.limits.max_variable_size,
        )
        return WorkflowRun(self, graph, pool, dict(inputs or {}), info, stop_signal)

    def start_single_node(
        self,
        graph: Graph,
        node_id: str,
        *,
        variables: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> WorkflowRun:
        """A debug run of one node (containers include their body).

        ``variables`` seeds the pool with what the node reads, keyed ``"node_id.name"``
        (e.g. ``{"1718.text": "hi", "sys.query": "q"}``); other arguments as :meth:`start`.
        """
        spec = graph.all_nodes.get(node_id)
        if spec is None:
            raise GraphError(f"Node {node_id!r} is not in the graph.")
        single = Graph({node_id: spec}, [], node_id, graph.all_nodes, graph.all_edges)
        run = self.start(single, **kwargs)
        for key, value in (variables or {}).items():
            owner, _, name = key.partition(".")
            if not name:
                raise GraphError(f"Variable key {key!r} must be 'node_id.name'.")
            run.pool.add(owner, name, value)
        return run


class WorkflowRun:
    """One execution. Iterate :meth:`events` (or await :meth:`result`) exactly once."""

    def __init__(
        self,
        engine: WorkflowEngine,
        graph: Graph,
        pool: VariablePool,
        inputs: dict[str, Any],
        info: RunInfo,
        stop_signal: StopSignal | None,
    ) -> None:
        self.engine = engine
        self.graph = graph
        self.pool = pool
        self.inputs = inputs
        self.info = info
        self._stop_signal = stop_signal
        self._stopped = asyncio.Event()
        self.result_value: RunResult | None = None

    def stop(self) -> None:
        """Ask the run to stop; running nodes are cancelled, the run ends ``stopped``."""
        self._stopped.set()

    async def result(self) -> RunResult:
        """Run to completion, discarding events."""
        async for _ in self.events():
            pass
        assert self.result_value is not None
        return self.result_value

    async def events(self) -> AsyncIterator[WorkflowEvent]:
        queue: asyncio.Queue[WorkflowEvent | None] = asyncio.Queue()
        task = asyncio.create_task(self._execute(queue))
        try:
            while True:
                event = await queue.get()
                if event is None:
                    break
                yield event
        finally:
            if not task.done():
                task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _execute(self, queue: asyncio.Queue[WorkflowEvent | None]) -> None:
        """Run, then always end the event stream, even if the engine itself breaks."""
        try:
            await self._run(queue)
        except Exception as exc:  # noqa: BLE001 - top-level handler of the run
            error = f"Internal error: {type(exc).__name__}"
            self.result_value = RunResult("failed", {}, error, 0, TokenUsage(), 0, "")
            now = int(time.time())
            queue.put_nowait(
                WorkflowFinished(
                    self.info.run_id,
                    self.info.workflow_id,
                    "failed",
                    {},
                    error,
                    0.0,
                    0,
                    0,
                    now,
                    now,
                    0,
                )
            )
            raise
        finally:
            queue.put_nowait(None)

    async def _run(self, queue: asyncio.Queue[WorkflowEvent | None]) -> None:
        limits = self.engine.limits
        started = time.perf_counter()
        created_at = int(time.time())
        state = RunState(
            self.engine.node_types,
            self.engine.services,
            self.info,
            queue,
            limits.max_steps,
            self.inputs,
            asyncio.Semaphore(limits.max_parallel_nodes) if limits.max_parallel_nodes else None,
        )
        await queue.put(
            WorkflowStarted(self.info.run_id, self.info.workflow_id, dict(self.inputs), created_at)
        )
        executor = GraphExecutor(state, self.graph, self.pool, streaming=True)
        status, error = await self._supervise(executor, limits)
        if status == "succeeded" and state.exceptions_count:
            status = "partial-succeeded"
        outputs = dict(executor.end_outputs)
        answer = "".join(state.answer_parts)
        if self.info.mode == "advanced-chat" and not outputs:
            outputs = {"answer": answer}
        error = self.pool.mask_secrets(error) if error else None
        self.result_value = RunResult(
            status,
            outputs,
            error,
            state.steps,
            state.usage,
            state.exceptions_count,
            answer,
            self.pool.conversation_values(),
        )
        await queue.put(
            WorkflowFinished(
                self.info.run_id,
                self.info.workflow_id,
                status,
                outputs,
                error,
                round(time.perf_counter() - started, 6),
                state.usage.total_tokens,
                state.steps,
                created_at,
                int(time.time()),
                state.exceptions_count,
                answer,
            )
        )

    async def _supervise(
        self, executor: GraphExecutor, limits: EngineLimits
    ) -> tuple[str, str | None]:
        work = asyncio.create_task(executor.execute())
        watcher = asyncio.create_task(self._watch_stop(limits.stop_poll_interval))
        try:
            done, _ = await asyncio.wait(
                {work, watcher},
                timeout=limits.max_execution_time,
                return_when=asyncio.FIRST_COMPLETED,
            )
        except asyncio.CancelledError:  # the consumer went away: stop the nodes too
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
            raise
        finally:
            watcher.cancel()
        if work in done:
            try:
                body = work.result()
            except Exception as exc:  # noqa: BLE001 - top-level handler of the run
                return "failed", f"Internal error: {type(exc).__name__}: {exc}"
            return body.status, body.error
        work.cancel()
        await asyncio.gather(work, return_exceptions=True)
        if watcher in done:
            return "stopped", "Workflow execution stopped by user."
        return "failed", f"Max execution time {limits.max_execution_time}s exceeded."

    async def _watch_stop(self, interval: float) -> None:
        if self._stop_signal is None:  # only a local stop(): no polling needed
            await self._stopped.wait()
            return
        while True:
            if self._stopped.is_set():
                return
            if self._stop_signal is not None and await self._stop_signal.is_set():
                return
            try:
                await asyncio.wait_for(self._stopped.wait(), interval)
            except TimeoutError:
                continue
            return
