"""question-classifier and parameter-extractor: model calls with structured answers.

question-classifier asks for ``{"category_id", "category_name"}``; the class is matched by id,
then by name, and falls back to the first class (as Dify does). The branch taken is the edge whose
``sourceHandle`` is the class id. parameter-extractor uses function calling
(``reasoning_mode: function_call``, the default) or a JSON prompt; values are converted to the
declared types, and ``__is_success``/``__reason`` report missing or invalid parameters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from yarrow.workflow.errors import NodeConfigError, NodeRunError
from yarrow.workflow.nodes.base import NodeContext, NodeResult, as_selector, register
from yarrow.workflow.nodes.llm import ModelNode, parse_json_object
from yarrow.workflow.ports import ChatMessage, ToolSpec
from yarrow.workflow.variables import to_text

_EMPTY = {"string": "", "number": 0, "bool": False, "boolean": False, "select": ""}


@register
class QuestionClassifierNode(ModelNode):
    type = "question-classifier"

    def classes(self) -> list[dict[str, str]]:
        raw = self.data.get("classes") or self.data.get("topics") or []
        raw = raw if isinstance(raw, list) else []
        classes = [
            {"id": str(c.get("id")), "name": str(c.get("name") or "")}
            for c in raw
            if isinstance(c, Mapping) and c.get("id") is not None
        ]
        if not classes:
            raise NodeConfigError(f"Node {self.spec.title!r} has no classes.")
        return classes

    async def run(self, ctx: NodeContext) -> NodeResult:
        classes = self.classes()
        query = to_text(ctx.pool.get(as_selector(self.data.get("query_variable_selector"))))
        instruction = ctx.pool.render(str(self.data.get("instruction") or ""))
        system = (
            "You are a text classification engine. Classify the input text into exactly one "
            "of the categories below and answer only with JSON: "
            '{"category_id": "...", "category_name": "..."}.\n'
            f"Categories: {json.dumps(classes, ensure_ascii=False)}\n"
            + (f"Instructions: {instruction}\n" if instruction else "")
        )
        messages = [
            ChatMessage("system", system),
            *await self.history(ctx),
            ChatMessage("user", query),
        ]
        text, _, _, usage = await self.invoke(ctx, self.request(ctx, messages))
        chosen = self.match(classes, text)
        return NodeResult(
            outputs={
                "class_name": chosen["name"],
                "class_id": chosen["id"],
                "usage": usage.as_dict(),
            },
            inputs={"query": query},
            edge_handle=chosen["id"],
            usage=usage,
            process_data={"model_answer": text},
        )

    @staticmethod
    def match(classes: list[dict[str, str]], text: str) -> dict[str, str]:
        try:
            answer = parse_json_object(text)
        except NodeRunError:
            answer = {"category_name": text.strip()}
        wanted_id = str(answer.get("category_id") or "")
        wanted_name = str(answer.get("category_name") or "").strip().lower()
        for item in classes:
            if wanted_id and item["id"] == wanted_id:
                return item
        for item in classes:
            if wanted_name and item["name"].strip().lower() == wanted_name:
                return item
        return classes[0]


def _json_type(kind: str) -> dict[str, Any]:
    if kind.startswith("array["):
        return {"type": "array", "items": _json_type(kind[6:-1])}
    return {
        "type": {
            "number": "number",
            "bool": "boolean",
            "boolean": "boolean",
            "object": "object",
        }.get(kind, "string")
    }


def convert(kind: str, value: Any, options: list[Any]) -> Any:
    """Convert a model-supplied value to the declared parameter type, or raise ValueError."""
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError("boolean is not a number")
        return value if isinstance(value, int | float) else float(str(value))
    if kind in ("bool", "boolean"):
        if isinstance(value, str):
            return value.strip().lower() in ("true", "yes", "1")
        return bool(value)
    if kind == "select":
        if options and str(value) not in [str(o) for o in options]:
            raise ValueError(f"{value!r} is not one of {options}")
        return str(value)
    if kind.startswith("array["):
        if not isinstance(value, list):
            raise ValueError("not an array")
        return [convert(kind[6:-1], v, []) for v in value]
    if kind == "object":
        if not isinstance(value, dict):
            raise ValueError("not an object")
        return value
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@register
class ParameterExtractorNode(ModelNode):
    type = "parameter-extractor"

    def schema(self) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        for param in self.parameters():
            prop = _json_type(str(param.get("type") or "string"))
            prop["description"] = str(param.get("description") or "")
            if param.get("options"):
                prop["enum"] = list(param["options"])
            properties[str(param["name"])] = prop
            if param.get("required"):
                required.append(str(param["name"]))
        return {"type": "object", "properties": properties, "required": required}

    def parameters(self) -> list[Mapping[str, Any]]:
        return [
            p for p in self.data.get("parameters") or [] if isinstance(p, Mapping) and p.get("name")
        ]

    async def run(self, ctx: NodeContext) -> NodeResult:
        query = to_text(ctx.pool.get(as_selector(self.data.get("query"))))
        instruction = ctx.pool.render(str(self.data.get("instruction") or ""))
        schema = self.schema()
        function_call = (self.data.get("reasoning_mode") or "function_call") == "function_call"
        system = "Extract the parameters described by the schema from the user's text." + (
            f"\nInstructions: {instruction}" if instruction else ""
        )
        if not function_call:
            system += "\nAnswer only with a JSON object matching this schema: " + json.dumps(
                schema, ensure_ascii=False
            )
        messages = [
            ChatMessage("system", system),
            *await self.history(ctx),
            ChatMessage("user", query),
        ]
        tools = (
            [ToolSpec("extract_parameters", "Extract parameters", schema)]
            if (function_call)
            else []
        )
        text, _, calls, usage = await self.invoke(ctx, self.request(ctx, messages, tools=tools))
        raw: dict[str, Any] = {}
        reason = ""
        try:
            raw = json.loads(calls[0].arguments) if calls else parse_json_object(text)
            if not isinstance(raw, dict):
                raise NodeRunError("not an object")
        except (json.JSONDecodeError, NodeRunError):
            reason = "The model did not return the parameters as JSON."
            raw = {}
        outputs, problems = self.validate(raw)
        if problems and not reason:
            reason = "; ".join(problems)
        outputs.update(
            {
                "__is_success": 0 if reason else 1,
                "__reason": reason or None,
                "__usage": usage.as_dict(),
            }
        )
        return NodeResult(
            outputs=outputs,
            inputs={"query": query},
            usage=usage,
            process_data={"model_answer": text},
        )

    def validate(self, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        outputs: dict[str, Any] = {}
        problems: list[str] = []
        for param in self.parameters():
            name, kind = str(param["name"]), str(param.get("type") or "string")
            empty = [] if kind.startswith("array") else _EMPTY.get(kind, "")
            if raw.get(name) is None:
                if param.get("required"):
                    problems.append(f"Missing required parameter {name}.")
                outputs[name] = empty
                continue
            try:
                outputs[name] = convert(kind, raw[name], list(param.get("options") or []))
            except (ValueError, TypeError) as exc:
                problems.append(f"Invalid value for {name}: {exc}")
                outputs[name] = empty
        return outputs, problems
