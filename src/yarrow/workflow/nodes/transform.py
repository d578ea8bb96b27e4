"""template-transform, variable-aggregator (and legacy variable-assigner), assigner, list-operator.

Templates render in Jinja2's immutable sandbox: no attribute starting with ``_``, no
unsafe callables, no mutation of inputs, ``range`` capped, and ``*``/``**`` refused when the result
would be huge, so a template cannot reach Python internals or exhaust memory. When a code
executor is configured, template-transform renders inside the code sandbox, as Dify does, so its
CPU time and memory are bounded too (the template and inputs travel base64-encoded); without one
it renders in-process. Output is capped at ``TEMPLATE_TRANSFORM_MAX_LENGTH`` (400 000 characters).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import re
from collections.abc import Mapping
from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from yarrow.workflow.conditions import compare, file_attribute
from yarrow.workflow.errors import NodeConfigError, NodeRunError
from yarrow.workflow.nodes.base import Node, NodeContext, NodeResult, as_selector, register
from yarrow.workflow.ports import CodeExecutor
from yarrow.workflow.variables import CONVERSATION, VariablePool, matches_type

TEMPLATE_TRANSFORM_MAX_LENGTH = 400_000
_MAX_OPERAND = 1_000_000


class _SafeEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > 1000:
            raise NodeRunError("Exponent too large in template.")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(count, int)
                    and (len(seq) * count > _MAX_OPERAND)
                ):
                    raise NodeRunError("Repetition too large in template.")
        return super().call_binop(context, operator, left, right)


_ENVIRONMENT = _SafeEnvironment(autoescape=False, keep_trailing_newline=True)


def render_jinja2(template: str, variables: Mapping[str, Any]) -> str:
    """Render a template in the sandbox; errors become :class:`NodeRunError`."""
    try:
        text = _ENVIRONMENT.from_string(template).render(**variables)
    except TemplateError as exc:  # includes SecurityError
        raise NodeRunError(f"Template error: {exc}") from exc
    except (OverflowError, MemoryError, RecursionError) as exc:
        raise NodeRunError(f"Template error: {type(exc).__name__}") from exc
    if len(text) > TEMPLATE_TRANSFORM_MAX_LENGTH:
        raise NodeRunError(f"Output length exceeds {TEMPLATE_TRANSFORM_MAX_LENGTH} characters.")
    return text


JINJA2_RUNNER = """import json
from base64 import b64decode
from jinja2.sandbox import ImmutableSandboxedEnvironment

template = b64decode('{template}').decode('utf-8')
inputs_obj = json.loads(b64decode('{inputs}').decode('utf-8'))
environment = ImmutableSandboxedEnvironment(autoescape=False, keep_trailing_newline=True)
output = environment.from_string(template).render(**inputs_obj)
print(f'<<RESULT>>{{output}}<<RESULT>>')
"""

JINJA2_PRELOAD = """import jinja2
from base64 import b64decode

def _jinja2_preload_():
    template = jinja2.Template('{{s}}')
    template.render(s='a')

if __name__ == '__main__':
    _jinja2_preload_()
"""

_RESULT = re.compile(r"<<RESULT>>(.*)<<RESULT>>", re.DOTALL)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def render_in_sandbox(executor: CodeExecutor, template: str, inputs: Any) -> str:
    """Dify's jinja2 transformer: render in the code sandbox and read the marked output."""
    encoded = _b64(json.dumps(inputs, ensure_ascii=False, default=str))
    runner = JINJA2_RUNNER.format(template=_b64(template), inputs=encoded)
    stdout = await executor.execute("python3", runner, preload=JINJA2_PRELOAD)
    match = _RESULT.search(stdout)
    if match is None:
        raise NodeRunError("The template sandbox returned no result.")
    text = match.group(1)
    if len(text) > TEMPLATE_TRANSFORM_MAX_LENGTH:
        raise NodeRunError(f"Output length exceeds {TEMPLATE_TRANSFORM_MAX_LENGTH} characters.")
    return text


@register
class TemplateTransformNode(Node):
    type = "template-transform"
    supports_retry = True
    supports_error_strategy = True

    async def run(self, ctx: NodeContext) -> NodeResult:
        variables = self.variables_inputs(ctx.pool)
        template = str(self.data.get("template") or "")
        if ctx.services.code is not None:
            text = await render_in_sandbox(ctx.services.code, template, variables)
        else:
            text = await asyncio.to_thread(render_jinja2, template, copy.deepcopy(variables))
        return NodeResult(outputs={"output": text}, inputs=variables)


def _first_value(pool: VariablePool, selectors: Any) -> Any:
    for selector in selectors or []:
        value = pool.get(as_selector(selector))
        if value is not None:
            return value
    return None


@register
class VariableAggregatorNode(Node):
    """``output`` = the first non-null input; with groups, ``{group: {output}}``."""

    type = "variable-aggregator"

    async def run(self, ctx: NodeContext) -> NodeResult:
        settings = self.data.get("advanced_settings") or {}
        if isinstance(settings, Mapping) and settings.get("group_enabled"):
            outputs: dict[str, Any] = {}
            for group in settings.get("groups") or []:
                if isinstance(group, Mapping) and group.get("group_name"):
                    value = _first_value(ctx.pool, group.get("variables"))
                    outputs[str(group["group_name"])] = {"output": value}
            return NodeResult(outputs=outputs)
        return NodeResult(outputs={"output": _first_value(ctx.pool, self.data.get("variables"))})


@register
class LegacyVariableAssignerNode(VariableAggregatorNode):
    """``variable-assigner``: the aggregator's old name, or a v1 assigner when configured so."""

    type = "variable-assigner"

    async def run(self, ctx: NodeContext) -> NodeResult:
        if self.data.get("assigned_variable_selector"):
            return await AssignerNode(self.spec).run(ctx)
        return await super().run(ctx)


def _cleared(value: Any) -> Any:
    if isinstance(value, list):
        return []
    if isinstance(value, dict):
        return {}
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return 0
    return ""


def apply_operation(operation: str, current: Any, value: Any) -> Any:
    """One assigner operation (v1 write modes and v2 operations)."""
    if operation in ("over-write", "set"):
        return value
    if operation == "clear":
        return _cleared(current)
    if operation in ("append", "extend", "remove-first", "remove-last"):
        items = list(current) if isinstance(current, list) else None
        if items is None:
            raise NodeRunError(f"Cannot {operation} on a non-array value.")
        if operation == "append":
            return [*items, value]
        if operation == "extend":
            if not isinstance(value, list):
                raise NodeRunError("extend needs an array value.")
            return [*items, *value]
        return items[1:] if operation == "remove-first" else items[:-1]
    if operation in ("+=", "-=", "*=", "/="):
        if not isinstance(current, int | float) or not isinstance(value, int | float):
            raise NodeRunError(f"{operation} needs numbers.")
        if operation == "/=" and value == 0:
            raise NodeRunError("Division by zero in assigner.")
        return {
            "+=": current + value,
            "-=": current - value,
            "*=": current * value,
            "/=": current / value,
        }[operation]
    raise NodeConfigError(f"Unknown assigner operation {operation!r}.")


@register
class AssignerNode(Node):
    """Mutates conversation (or loop) variables; v1 and v2 (``version: '2'``) configs."""

    type = "assigner"

    async def run(self, ctx: NodeContext) -> NodeResult:
        pool = ctx.pool
        changes: list[dict[str, Any]] = []
        for selector, operation, source in self._items():
            if len(selector) < 2:
                raise NodeConfigError(f"Node {self.spec.title!r} has an invalid variable selector.")
            owner = ctx.graph.all_nodes.get(selector[0])
            if selector[0] != CONVERSATION and (owner is None or owner.type != "loop"):
                raise NodeConfigError(
                    f"{'.'.join(selector)} is read-only: assigners write conversation or loop "
                    "variables."
                )
            # Items apply in order: a later item sees what an earlier one wrote (as Dify).
            value = pool.get(as_selector(source[1])) if source[0] == "variable" else source[1]
            if source[0] == "variable" and value is None:
                raise NodeRunError(f"Input variable {'.'.join(as_selector(source[1]))} not found.")
            if not pool.has(selector) and selector[0] != "conversation":
                raise NodeRunError(f"Variable {'.'.join(selector)} does not exist.")
            new = apply_operation(operation, copy.deepcopy(pool.get(selector)), value)
            declared = pool.declared_types.get(selector[1]) if selector[0] == CONVERSATION else None
            if declared is not None and not matches_type(declared, new):
                raise NodeRunError(
                    f"Variable {'.'.join(selector)} is {declared}; cannot assign "
                    f"{type(new).__name__} {new!r:.50}."
                )
            pool.set_selector(selector, new)
            changes.append({"selector": selector, "operation": operation, "value": new})
        return NodeResult(process_data={"updated_variables": changes})

    def _items(self) -> list[tuple[list[str], str, tuple[str, Any]]]:
        """(target selector, operation, (input kind, constant or source selector))."""
        if str(self.data.get("version")) == "2" or "items" in self.data:
            items = []
            for item in self.data.get("items") or []:
                if not isinstance(item, Mapping):
                    continue
                operation = str(item.get("operation") or "over-write")
                kind = "constant"
                if item.get("input_type") == "variable" and operation not in (
                    "clear",
                    "remove-first",
                    "remove-last",
                ):
                    kind = "variable"
                target = as_selector(item.get("variable_selector"))
                items.append((target, operation, (kind, item.get("value"))))
            return items
        selector = as_selector(self.data.get("assigned_variable_selector"))
        mode = str(self.data.get("write_mode") or "over-write")
        kind = "constant" if mode == "clear" else "variable"
        return [(selector, mode, (kind, self.data.get("input_variable_selector")))]


@register
class ListOperatorNode(Node):
    type = "list-operator"

    async def run(self, ctx: NodeContext) -> NodeResult:
        items = ctx.pool.get(as_selector(self.data.get("variable")))
        if items is None:
            items = []
        if not isinstance(items, list):
            raise NodeRunError("list-operator input must be an array.")
        result = self._filter(list(items), ctx.pool)
        order = self.data.get("order_by") or {}
        if isinstance(order, Mapping) and order.get("enabled"):
            key = str(order.get("key") or "")
            result.sort(
                key=lambda item: _sort_key(
                    file_attribute(item, key) if key and isinstance(item, Mapping) else item
                ),
                reverse=order.get("value") == "desc",
            )
        extract = self.data.get("extract_by") or {}
        if isinstance(extract, Mapping) and extract.get("enabled"):
            serial = int(ctx.pool.render(str(extract.get("serial") or "1")) or 1)
            if not 1 <= serial <= len(result):
                raise NodeRunError(f"extract_by serial {serial} is out of range.")
            result = [result[serial - 1]]
        limit = self.data.get("limit") or {}
        if isinstance(limit, Mapping) and limit.get("enabled"):
            result = result[: max(0, int(limit.get("size") or 0))]
        return NodeResult(
            outputs={
                "result": result,
                "first_record": result[0] if result else None,
                "last_record": result[-1] if result else None,
            },
            inputs={"variable": items},
        )

    def _filter(self, items: list[Any], pool: VariablePool) -> list[Any]:
        settings = self.data.get("filter_by") or {}
        if not isinstance(settings, Mapping) or not settings.get("enabled"):
            return items
        for condition in settings.get("conditions") or []:
            key = str(condition.get("key") or "")
            operator = str(condition.get("comparison_operator") or "")
            expected = condition.get("value")
            if isinstance(expected, str):
                expected = pool.render(expected)
            items = [
                item
                for item in items
                if compare(
                    operator,
                    file_attribute(item, key) if key and isinstance(item, Mapping) else item,
                    expected,
                )
            ]
        return items


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value)
    return (1, "" if value is None else str(value))
