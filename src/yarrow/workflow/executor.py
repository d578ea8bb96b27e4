"""Runs one level of a graph (the top level or a container body); see :mod:`.engine`.

A node run is the engine's top-level handler for that node: whatever it raises becomes a failed
(or, with an error strategy, an ``exception``) node, never a crashed engine.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from yarrow.errors import YarrowError
from yarrow.workflow.errors import ExecutionLimitError, NodeRunError, NodeTimeoutError
from yarrow.workflow.events import (
    NodeFinished,
    NodeRetry,
    NodeStarted,
    TextChunk,
    TokenUsage,
    WorkflowEvent,
)
from yarrow.workflow.graph import CONTAINER_TYPES, FAIL_BRANCH, Graph, NodeSpec
from yarrow.workflow.nodes.base import BodyResult, Node, NodeResult, RunInfo
from yarrow.workflow.ports import WorkflowServices
from yarrow.workflow.streaming import SKIPPED, TAKEN, ResponseCoordinator
from yarrow.workflow.variables import VariablePool

_DEFAULT_TYPES = {"string": "", "number": 0, "object": {}, "boolean": False}


@dataclass
class RunState:
    """State shared by every executor of one run (nested bodies included)."""

    node_types: Mapping[str, type[Node]]
    services: WorkflowServices
    info: RunInfo
    queue: asyncio.Queue[WorkflowEvent | None]
    max_steps: int
    inputs: dict[str, Any]
    slots: asyncio.Semaphore | None = None
    #: the chatflow message: every answer node's text, in the order it was streamed
    answer_parts: list[str] = field(default_factory=list)
    steps: int = 0
    limit_error: str | None = None
    exceptions_count: int = 0
    usage: TokenUsage = field(default_factory=TokenUsage)
    nodes: dict[str, Node] = field(default_factory=dict)

    def node(self, spec: NodeSpec) -> Node:
        node = self.nodes.get(spec.id)
        if node is None:
            node = self.nodes[spec.id] = self.node_types[spec.type](spec)
        return node

    def count_step(self) -> None:
        if self.limit_error is not None:
            raise ExecutionLimitError(self.limit_error)
        self.steps += 1
        if self.steps > self.max_steps:
            self.steps = self.max_steps
            self.limit_error = f"Max steps {self.max_steps} reached."
            raise ExecutionLimitError(self.limit_error)


@dataclass
class _Outcome:
    status: str  # succeeded | exception | failed
    handle: str | None
    error: str | None = None


class _Context:
    """The :class:`NodeContext` given to one node run."""

    def __init__(self, executor: GraphExecutor, node_id: str) -> None:
        self._executor = executor
        self._node_id = node_id
        self.pool = executor.pool
        self.graph = executor.graph
        self.services = executor.state.services
        self.run = executor.state.info
        self.inputs: Mapping[str, Any] = executor.state.inputs

    async def stream(self, variable: str, text: str) -> None:
        if self._executor.coordinator is not None:
            await self._executor.coordinator.on_chunk(self._node_id, variable, text)

    async def emit(self, event: WorkflowEvent) -> None:
        await self._executor.state.queue.put(event)

    async def run_body(self, body: Graph, pool: VariablePool, kind: str) -> BodyResult:
        child = GraphExecutor(self._executor.state, body, pool, container=(kind, self._node_id))
        return await child.execute()


class GraphExecutor:
    def __init__(
        self,
        state: RunState,
        graph: Graph,
        pool: VariablePool,
        *,
        streaming: bool = False,
        container: tuple[str, str] | None = None,
    ) -> None:
        self.state = state
        self.graph = graph
        self.pool = pool
        self.container = container
        self.edge_state: dict[str, int] = {}
        self._scheduled: set[str] = {graph.root_id}
        self.end_outputs: dict[str, Any] = {}
        self.usage = TokenUsage()
        self.loop_ended = False
        self.coordinator: ResponseCoordinator | None = None
        if streaming:
            self.coordinator = ResponseCoordinator(
                graph, pool, self.edge_state, self._put, state.answer_parts
            )

    async def _put(self, event: WorkflowEvent) -> None:
        await self.state.queue.put(event)

    async def execute(self) -> BodyResult:
        """Run the graph to completion; a fatal node failure cancels the rest."""
        if self.coordinator is not None:
            await self.coordinator.start()
        tasks: dict[asyncio.Task[_Outcome], str] = {}
        ready: list[tuple[str, str | None]] = [(self.graph.root_id, None)]
        try:
            while ready or tasks:
                if len(ready) == 1 and not tasks:
                    # A chain step: run inline, saving a task and a scheduler round-trip.
                    node_id, predecessor = ready.pop()
                    outcome = await self._run_node(node_id, predecessor)
                    if outcome.status == "failed":
                        return BodyResult("failed", outcome.error, usage=self.usage)
                    following = await self._decide_edges(node_id, outcome.handle)
                    ready.extend((target, node_id) for target in following)
                    continue
                for node_id, predecessor in ready:
                    tasks[asyncio.create_task(self._run_node(node_id, predecessor))] = node_id
                ready.clear()
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    node_id = tasks.pop(task)
                    outcome = task.result()
                    if outcome.status == "failed":
                        return BodyResult("failed", outcome.error, usage=self.usage)
                    following = await self._decide_edges(node_id, outcome.handle)
                    ready.extend((target, node_id) for target in following)
        finally:
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
        return BodyResult("succeeded", loop_ended=self.loop_ended, usage=self.usage)

    async def _decide_edges(self, node_id: str, handle: str | None) -> list[str]:
        ready: list[str] = []
        skipped: list[str] = []
        for edge in self.graph.out_edges[node_id]:
            if handle is None:
                taken = edge.source_handle != FAIL_BRANCH
            else:
                taken = edge.source_handle == handle
            self.edge_state[edge.id] = TAKEN if taken else SKIPPED
            self._check_target(edge.target, ready, skipped)
        if self.coordinator is not None:
            await self.coordinator.on_finished(node_id)
            if skipped:
                await self.coordinator.on_skipped(skipped)
        return ready

    def _check_target(self, target: str, ready: list[str], skipped: list[str]) -> None:
        """Mark ``target`` ready or skipped once its incoming edges are all decided; skips
        propagate downstream (iteratively: long skipped chains cannot overflow the stack)."""
        pending = [target]
        while pending:
            node_id = pending.pop()
            states = [self.edge_state.get(e.id, 0) for e in self.graph.in_edges[node_id]]
            if 0 in states or node_id in self._scheduled:
                continue
            self._scheduled.add(node_id)  # each node runs or is skipped at most once
            if TAKEN in states:
                ready.append(node_id)
                continue
            skipped.append(node_id)
            for edge in self.graph.out_edges[node_id]:
                self.edge_state[edge.id] = SKIPPED
                pending.append(edge.target)

    # -- one node ------------------------------------------------------------------------
    async def _run_node(self, node_id: str, predecessor: str | None) -> _Outcome:
        spec = self.graph.nodes[node_id]
        try:
            self.state.count_step()
        except ExecutionLimitError as exc:
            return _Outcome("failed", None, exc.message)
        node = self.state.node(spec)
        kind, container_id = self.container or ("", None)
        started = time.perf_counter()
        base: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "node_id": node_id,
            "node_type": spec.type,
            "title": spec.title,
            "index": self.state.steps,
            "predecessor_node_id": predecessor,
            "inputs": {},
            "created_at": int(time.time()),
            "iteration_id": container_id if kind == "iteration" else None,
            "loop_id": container_id if kind == "loop" else None,
        }
        await self._put(NodeStarted(**base))
        try:
            result, error = await self._attempts(node, spec, base)
        except asyncio.CancelledError:
            await self._put(
                NodeFinished(
                    **base,
                    status="stopped",
                    error="Stopped.",
                    elapsed_time=time.perf_counter() - started,
                    finished_at=int(time.time()),
                )
            )
            raise
        elapsed = time.perf_counter() - started
        if error is None:
            assert result is not None
            try:
                return await self._succeeded(spec, node, result, base, elapsed)
            except YarrowError as exc:  # outputs refused by the pool (MAX_VARIABLE_SIZE)
                error = exc
        return await self._failed(spec, error, base, elapsed)

    async def _attempts(
        self, node: Node, spec: NodeSpec, base: dict[str, Any]
    ) -> tuple[NodeResult | None, YarrowError | None]:
        retry = spec.data.get("retry_config") or {}
        retries = 0
        if node.supports_retry and isinstance(retry, Mapping) and retry.get("retry_enabled"):
            retries = max(0, int(retry.get("max_retries") or 0))
        interval = float((retry.get("retry_interval") or 0) if retries else 0) / 1000
        timeout = spec.data.get("timeout")
        timeout = float(timeout) if isinstance(timeout, int | float) and timeout > 0 else None
        ctx = _Context(self, spec.id)
        slots = None if spec.type in CONTAINER_TYPES else self.state.slots
        for attempt in range(retries + 1):
            try:
                if slots is None:
                    return await self._call(node, ctx, timeout), None
                async with slots:
                    return await self._call(node, ctx, timeout), None
            except TimeoutError:
                error: YarrowError = NodeTimeoutError(f"Node timed out after {timeout}s.")
            except YarrowError as exc:
                error = exc
            except Exception as exc:  # noqa: BLE001 - top-level handler of one node run
                error = NodeRunError(f"{type(exc).__name__}: {exc}")
            if attempt < retries:
                await self._put(
                    NodeRetry(
                        **base,
                        status="retry",
                        error=error.message,
                        error_type=_error_type(error),
                        retry_index=attempt + 1,
                        finished_at=int(time.time()),
                    )
                )
                await asyncio.sleep(interval)
        return None, error

    @staticmethod
    async def _call(node: Node, ctx: _Context, limit: float | None) -> NodeResult:
        if limit is None:
            return await node.run(ctx)
        return await asyncio.wait_for(node.run(ctx), limit)

    async def _succeeded(
        self,
        spec: NodeSpec,
        node: Node,
        result: NodeResult,
        base: dict[str, Any],
        elapsed: float,
    ) -> _Outcome:
        self.pool.add_outputs(spec.id, result.outputs)
        if result.usage is not None:
            self.usage = self.usage + result.usage
            if self.container is None:
                self.state.usage = self.state.usage + result.usage
        if spec.type == "end":
            self.end_outputs.update(result.outputs)
        if spec.type == "answer" and self.coordinator is None:
            # Answers inside iterations and loops stream whole, when each one finishes.
            text = str(result.outputs.get("answer") or "")
            if text:
                self.state.answer_parts.append(text)
                await self._put(TextChunk(text, None, spec.id, "answer"))
        if spec.type == "loop-end":
            self.loop_ended = True
        base["inputs"] = result.inputs
        await self._put(
            NodeFinished(
                **base,
                status="succeeded",
                outputs=result.outputs,
                process_data=result.process_data,
                elapsed_time=elapsed,
                usage=result.usage,
                finished_at=int(time.time()),
                edge_source_handle=result.edge_handle,
            )
        )
        return _Outcome("succeeded", result.edge_handle)

    async def _failed(
        self, spec: NodeSpec, error: YarrowError, base: dict[str, Any], elapsed: float
    ) -> _Outcome:
        node_type = self.state.node_types[spec.type]
        message = self.pool.mask_secrets(error.message)
        error_type = _error_type(error)
        strategy = spec.error_strategy if node_type.supports_error_strategy else None
        if strategy is None or self.state.limit_error is not None:
            await self._put(
                NodeFinished(
                    **base,
                    status="failed",
                    error=message,
                    error_type=error_type,
                    elapsed_time=elapsed,
                    finished_at=int(time.time()),
                )
            )
            return _Outcome("failed", None, message)
        outputs: dict[str, Any] = {}
        if strategy == "default-value":
            outputs.update(_default_values(spec))
        outputs.update({"error_message": message, "error_type": error_type})
        self.pool.add_outputs(spec.id, outputs, check_size=False)
        self.state.exceptions_count += 1
        handle = FAIL_BRANCH if strategy == FAIL_BRANCH else None
        await self._put(
            NodeFinished(
                **base,
                status="exception",
                outputs=outputs,
                error=message,
                error_type=error_type,
                elapsed_time=elapsed,
                finished_at=int(time.time()),
                edge_source_handle=handle,
            )
        )
        return _Outcome("exception", handle, message)


def _error_type(error: YarrowError) -> str:
    return error.error_type if isinstance(error, NodeRunError) else type(error).__name__


def _default_values(spec: NodeSpec) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in spec.data.get("default_value") or []:
        if isinstance(item, Mapping) and item.get("key"):
            value_type = str(item.get("type") or "string")
            default = [] if value_type.startswith("array") else _DEFAULT_TYPES.get(value_type)
            values[str(item["key"])] = item.get("value", default)
    return values
