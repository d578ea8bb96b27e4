"""iteration and loop: run a body sub-graph per item or per round, each in its own pool scope.

Iteration (Dify §6.2): the body reads ``[iteration_id, 'item']`` and ``[iteration_id, 'index']``;
``output`` collects ``output_selector`` per item in input order, flattened one level when every
item yielded a list and ``flatten_output`` (default true). ``is_parallel`` runs up to
``parallel_nums`` items at once. ``error_handle_mode``: terminated (fail the node),
continue-on-error (``None`` for the item) or remove-abnormal-output (drop the item).

Loop: loop variables live at ``[loop_id, label]`` and persist across rounds (assigners in the
body update them); the loop stops after ``loop_count`` rounds, when the break conditions hold
(checked before the first round and after each round), or when a loop-end node is reached.
All rounds share one scope, so body outputs of the last round are visible to break conditions.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

from yarrow.workflow.conditions import check_all
from yarrow.workflow.errors import NodeRunError
from yarrow.workflow.events import ContainerEvent, TokenUsage
from yarrow.workflow.graph import Graph
from yarrow.workflow.nodes.base import BodyResult, Node, NodeContext, NodeResult, register
from yarrow.workflow.variables import VariablePool

DEFAULT_PARALLEL_NUMS = 10


class _Container(Node):
    kind = ""
    supports_error_strategy = True
    _body: Graph | None = None

    def body(self, ctx: NodeContext) -> Graph:
        if self._body is None:
            self._body = ctx.graph.subgraph(self.spec.id)
        return self._body

    def event(self, phase: str, run_id: str, **fields: Any) -> ContainerEvent:
        return ContainerEvent(
            self.kind,
            phase,
            run_id,
            self.spec.id,
            self.type,
            self.spec.title,
            int(time.time()),
            **fields,
        )


@register
class IterationNode(_Container):
    type = "iteration"
    kind = "iteration"

    async def run(self, ctx: NodeContext) -> NodeResult:
        items = ctx.pool.get([str(s) for s in self.data.get("iterator_selector") or []])
        if items is None:
            items = []
        if not isinstance(items, list):
            raise NodeRunError("Iteration input must be an array.")
        run_id, started = str(uuid.uuid4()), time.perf_counter()
        await ctx.emit(self.event("started", run_id, inputs={"iterator_selector": items}))
        mode = str(self.data.get("error_handle_mode") or "terminated")
        parallel = bool(self.data.get("is_parallel"))
        limit = max(1, int(self.data.get("parallel_nums") or DEFAULT_PARALLEL_NUMS))
        semaphore = asyncio.Semaphore(limit if parallel else 1)
        usage = [TokenUsage()]

        async def one(index: int, item: Any) -> tuple[bool, Any]:
            async with semaphore:
                await ctx.emit(self.event("next", run_id, index=index))
                pool = ctx.pool.child()
                pool.add_outputs(self.spec.id, {"item": item, "index": index})
                result = await ctx.run_body(self.body(ctx), pool, self.kind)
                usage[0] = usage[0] + result.usage
                if result.status != "succeeded":
                    if mode == "terminated":
                        raise NodeRunError(f"Iteration item {index} failed: {result.error}")
                    return False, None
                return True, pool.get([str(s) for s in self.data.get("output_selector") or []])

        tasks = [asyncio.create_task(one(i, item)) for i, item in enumerate(items)]
        try:
            results = await asyncio.gather(*tasks)
        except NodeRunError as exc:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await ctx.emit(
                self.event(
                    "completed",
                    run_id,
                    status="failed",
                    error=exc.message,
                    elapsed_time=time.perf_counter() - started,
                )
            )
            raise
        outputs = [value for ok, value in results if ok or mode == "continue-on-error"]
        if (
            self.data.get("flatten_output", True)
            and outputs
            and all(isinstance(o, list) for o in outputs)
        ):
            outputs = [x for o in outputs for x in o]
        await ctx.emit(
            self.event(
                "completed",
                run_id,
                outputs={"output": outputs},
                elapsed_time=time.perf_counter() - started,
                total_tokens=usage[0].total_tokens,
                steps=len(items),
            )
        )
        return NodeResult(
            outputs={"output": outputs},
            inputs={"iterator_selector": items},
            usage=usage[0] if usage[0].total_tokens else None,
        )


def _constant(var_type: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if var_type == "number":
        try:
            number = float(value)
        except ValueError as exc:
            raise NodeRunError(f"Loop variable value {value!r} is not a number.") from exc
        return int(number) if number.is_integer() else number
    if var_type == "boolean":
        return value.strip().lower() == "true"
    if var_type.startswith("array") or var_type == "object":
        try:
            return json.loads(value) if value.strip() else ([] if var_type != "object" else {})
        except json.JSONDecodeError as exc:
            raise NodeRunError(f"Loop variable value {value!r} is not JSON.") from exc
    return value


@register
class LoopNode(_Container):
    type = "loop"
    kind = "loop"

    def _initial(self, ctx: NodeContext) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for var in self.data.get("loop_variables") or []:
            if not isinstance(var, Mapping) or not var.get("label"):
                continue
            if var.get("value_type") == "variable":
                value = ctx.pool.get([str(s) for s in var.get("value") or []])
            else:
                value = _constant(str(var.get("var_type") or "string"), var.get("value"))
            values[str(var["label"])] = value
        return values

    def _should_break(self, pool: VariablePool) -> bool:
        """Break conditions may read loop variables and the body's latest outputs."""
        conditions = self.data.get("break_conditions") or []
        if not conditions:
            return False
        result, _ = check_all(conditions, str(self.data.get("logical_operator") or "and"), pool)
        return result

    async def run(self, ctx: NodeContext) -> NodeResult:
        variables = self._initial(ctx)
        ctx.pool.add_outputs(self.spec.id, variables)
        run_id, started = str(uuid.uuid4()), time.perf_counter()
        await ctx.emit(self.event("started", run_id, inputs=dict(variables)))
        count = max(0, int(self.data.get("loop_count") or 0))
        usage, rounds = TokenUsage(), 0
        round_pool = ctx.pool.child()  # body outputs persist across rounds, as in Dify
        reason = "loop_completed"
        while rounds < count:
            if self._should_break(round_pool):
                reason = "loop_break"
                break
            await ctx.emit(self.event("next", run_id, index=rounds))
            result: BodyResult = await ctx.run_body(self.body(ctx), round_pool, self.kind)
            rounds += 1
            usage = usage + result.usage
            if result.status != "succeeded":
                await ctx.emit(
                    self.event(
                        "completed",
                        run_id,
                        status="failed",
                        error=result.error,
                        steps=rounds,
                        elapsed_time=time.perf_counter() - started,
                    )
                )
                raise NodeRunError(f"Loop round {rounds} failed: {result.error}")
            if result.loop_ended:
                reason = "loop_break"
                break
        else:
            if self._should_break(round_pool):
                reason = "loop_break"
        outputs = {**ctx.pool.node_outputs(self.spec.id), "loop_round": rounds}
        await ctx.emit(
            self.event(
                "completed",
                run_id,
                outputs=outputs,
                steps=rounds,
                elapsed_time=time.perf_counter() - started,
                total_tokens=usage.total_tokens,
            )
        )
        return NodeResult(
            outputs=outputs,
            inputs=variables,
            process_data={"completed_reason": reason},
            usage=usage if usage.total_tokens else None,
        )
