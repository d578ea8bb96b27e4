"""start, end, answer, if-else and the container placeholders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from yarrow.workflow.conditions import check_all
from yarrow.workflow.errors import NodeRunError
from yarrow.workflow.nodes.base import Node, NodeContext, NodeResult, as_selector, register
from yarrow.workflow.variables import VariableSegment, is_file, parse_template

_TEXT_TYPES = ("text-input", "paragraph", "select")


def validate_start_inputs(
    variables: Sequence[Mapping[str, Any]], inputs: Mapping[str, Any]
) -> dict[str, Any]:
    """Check user inputs against a start node's form, as Dify does before a run.

    Missing optional inputs get their ``default``; numbers given as strings are converted;
    ``select`` values must be one of the options; text longer than ``max_length`` is refused.
    Raises :class:`NodeRunError` naming the variable.
    """
    values: dict[str, Any] = dict(inputs)
    for form in variables:
        name = str(form.get("variable") or "")
        if not name:
            continue
        kind = str(form.get("type") or "text-input")
        value = inputs.get(name)
        if value is None or value == "":
            if form.get("required") and form.get("default") in (None, ""):
                raise NodeRunError(f"{name} is required in input form")
            values[name] = form.get("default") if value is None else value
            continue
        values[name] = _check_input(name, kind, value, form)
    return values


def _check_input(name: str, kind: str, value: Any, form: Mapping[str, Any]) -> Any:
    if kind in _TEXT_TYPES:
        if not isinstance(value, str):
            raise NodeRunError(f"{name} in input form must be a string")
        max_length = form.get("max_length")
        if kind != "select" and isinstance(max_length, int) and len(value) > max_length > 0:
            raise NodeRunError(f"{name} in input form must be less than {max_length} characters")
        options = form.get("options") or []
        if kind == "select" and options and value not in options:
            raise NodeRunError(f"{name} in input form must be one of the following: {options}")
        return value
    if kind == "number":
        if isinstance(value, bool):
            raise NodeRunError(f"{name} in input form must be a valid number")
        if isinstance(value, int | float):
            return value
        try:
            number = float(str(value))
        except ValueError as exc:
            raise NodeRunError(f"{name} in input form must be a valid number") from exc
        return int(number) if number.is_integer() and "." not in str(value) else number
    if kind == "checkbox":
        return bool(value)
    if kind == "file-list" and not isinstance(value, list):
        raise NodeRunError(f"{name} in input form must be a list of files")
    return value


@register
class StartNode(Node):
    type = "start"

    async def run(self, ctx: NodeContext) -> NodeResult:
        values = validate_start_inputs(
            [v for v in self.data.get("variables") or [] if isinstance(v, Mapping)], ctx.inputs
        )
        outputs = dict(values)
        for key, value in ctx.pool.system_values().items():
            outputs[f"sys.{key}"] = value
        return NodeResult(outputs=outputs, inputs=dict(values))


@register
class EndNode(Node):
    type = "end"

    async def run(self, ctx: NodeContext) -> NodeResult:
        outputs: dict[str, Any] = {}
        for item in self.data.get("outputs") or []:
            if isinstance(item, Mapping) and item.get("variable"):
                outputs[str(item["variable"])] = ctx.pool.get(
                    as_selector(item.get("value_selector"))
                )
        return NodeResult(outputs=outputs, inputs=dict(outputs))


@register
class AnswerNode(Node):
    type = "answer"

    async def run(self, ctx: NodeContext) -> NodeResult:
        template = str(self.data.get("answer") or "")
        files: list[Any] = []
        for segment in parse_template(template):
            if isinstance(segment, VariableSegment):
                value = ctx.pool.get(list(segment.selector))
                files += [v for v in (value if isinstance(value, list) else [value]) if is_file(v)]
        return NodeResult(outputs={"answer": ctx.pool.render(template), "files": files})


def if_else_cases(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """``cases``, or the deprecated top-level ``conditions`` as one case ``true``."""
    cases = data.get("cases")
    if isinstance(cases, list) and cases:
        return [c for c in cases if isinstance(c, Mapping)]
    return [
        {
            "case_id": "true",
            "conditions": data.get("conditions") or [],
            "logical_operator": data.get("logical_operator") or "and",
        }
    ]


@register
class IfElseNode(Node):
    type = "if-else"

    async def run(self, ctx: NodeContext) -> NodeResult:
        results: list[dict[str, Any]] = []
        for case in if_else_cases(self.data):
            case_id = str(case.get("case_id") or case.get("id") or "true")
            matched, checks = check_all(
                case.get("conditions") or [], str(case.get("logical_operator") or "and"), ctx.pool
            )
            results.append({"case_id": case_id, "results": checks, "final_result": matched})
            if matched:
                return NodeResult(
                    outputs={"result": True, "selected_case_id": case_id},
                    process_data={"condition_results": results},
                    edge_handle=case_id,
                )
        return NodeResult(
            outputs={"result": False, "selected_case_id": "false"},
            process_data={"condition_results": results},
            edge_handle="false",
        )


class _Placeholder(Node):
    async def run(self, ctx: NodeContext) -> NodeResult:
        return NodeResult()


@register
class IterationStartNode(_Placeholder):
    type = "iteration-start"


@register
class LoopStartNode(_Placeholder):
    type = "loop-start"


@register
class LoopEndNode(_Placeholder):
    """Reaching it ends the loop after the current round (the executor records it)."""

    type = "loop-end"
