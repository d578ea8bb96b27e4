"""The code node: Dify's runner templates sent to the sandbox, then Dify's output checks.

Contract (Dify §8.2): inputs are JSON, base64-embedded in a runner that calls ``main`` (python3:
``main(**inputs)``; nodejs: ``main(inputs)``) and prints the JSON result between ``<<RESULT>>``
markers. The result must be an object; every declared output must be present (``None`` allowed)
and of its declared type; undeclared keys are dropped; strings, arrays, depth and numbers are
bounded by the ``CODE_*`` limits.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yarrow.workflow.errors import NodeConfigError, NodeRunError, OutputValidationError
from yarrow.workflow.nodes.base import Node, NodeContext, NodeResult, register, service

_RESULT = re.compile(r"<<RESULT>>(.*?)<<RESULT>>", re.DOTALL)
LANGUAGES = {"python3": "python3", "python": "python3", "javascript": "nodejs", "nodejs": "nodejs"}

PYTHON_RUNNER = """{code}

import json
from base64 import b64decode

inputs_obj = json.loads(b64decode('{inputs}').decode('utf-8'))
output_obj = main(**inputs_obj)
output_json = json.dumps(output_obj, indent=4)
result = f'''<<RESULT>>{{output_json}}<<RESULT>>'''
print(result)
"""

NODEJS_RUNNER = """// declare main function
{code}

// decode and prepare input object
var inputs_obj = JSON.parse(Buffer.from('{inputs}', 'base64').toString('utf-8'))
// execute main function
var output_obj = main(inputs_obj)
// convert output to json and print
var output_json = JSON.stringify(output_obj)
var result = `<<RESULT>>${{output_json}}<<RESULT>>`
console.log(result)
"""


@dataclass(frozen=True)
class CodeLimits:
    """Dify's ``CODE_*`` limits."""

    max_string_length: int = 400_000
    max_depth: int = 5
    max_string_array_length: int = 30
    max_object_array_length: int = 30
    max_number_array_length: int = 1000
    max_number: int = 2**63 - 1
    min_number: int = -(2**63)
    max_precision: int = 20


def build_runner(language: str, code: str, inputs: Mapping[str, Any]) -> str:
    encoded = base64.b64encode(json.dumps(inputs, ensure_ascii=False).encode()).decode()
    template = PYTHON_RUNNER if language == "python3" else NODEJS_RUNNER
    return template.format(code=code, inputs=encoded)


def parse_result(stdout: str) -> dict[str, Any]:
    match = _RESULT.search(stdout)
    if match is None:
        raise NodeRunError("The code did not print a result (is main defined and returning?).")
    try:
        result = json.loads(match.group(1))
    except json.JSONDecodeError as exc:
        raise NodeRunError(f"The code result is not JSON: {exc}") from exc
    if not isinstance(result, dict) or not all(isinstance(k, str) for k in result):
        raise OutputValidationError("The code's main must return an object (dict).")
    return result


class _Checker:
    def __init__(self, limits: CodeLimits) -> None:
        self.limits = limits

    def check(self, name: str, kind: str, value: Any, depth: int = 1) -> Any:
        if value is None:
            return None
        if depth > self.limits.max_depth:
            raise OutputValidationError(f"Output {name} is nested too deeply.")
        if kind == "string":
            return self._string(name, value)
        if kind == "number":
            return self._number(name, value)
        if kind == "boolean":
            if not isinstance(value, bool):
                raise OutputValidationError(f"Output {name} must be a boolean.")
            return value
        if kind == "object":
            if not isinstance(value, dict):
                raise OutputValidationError(f"Output {name} must be an object.")
            for key, item in value.items():
                self._any(f"{name}.{key}", item, depth + 1)
            return value
        if kind.startswith("array["):
            return self._array(name, kind[6:-1], value, depth)
        raise NodeConfigError(f"Output {name} has unknown type {kind!r}.")

    def _string(self, name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise OutputValidationError(f"Output {name} must be a string.")
        if len(value) > self.limits.max_string_length:
            raise OutputValidationError(
                f"Output {name} is longer than {self.limits.max_string_length} characters."
            )
        return value

    def _number(self, name: str, value: Any) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise OutputValidationError(f"Output {name} must be a number.")
        if not self.limits.min_number <= value <= self.limits.max_number:
            raise OutputValidationError(f"Output {name} is out of range.")
        if isinstance(value, float) and len(repr(value).split(".")[-1]) > (
            self.limits.max_precision
        ):
            return round(float(value), self.limits.max_precision)
        return float(value) if isinstance(value, float) else int(value)

    def _array(self, name: str, item_kind: str, value: Any, depth: int) -> list[Any]:
        if not isinstance(value, list):
            raise OutputValidationError(f"Output {name} must be an array.")
        limit = {
            "string": self.limits.max_string_array_length,
            "object": self.limits.max_object_array_length,
            "number": self.limits.max_number_array_length,
        }.get(item_kind)
        if limit is not None and len(value) > limit:
            raise OutputValidationError(f"Output {name} has more than {limit} elements.")
        return [self.check(f"{name}[{i}]", item_kind, v, depth + 1) for i, v in enumerate(value)]

    def _any(self, name: str, value: Any, depth: int) -> None:
        if depth > self.limits.max_depth:
            raise OutputValidationError(f"Output {name} is nested too deeply.")
        if isinstance(value, str):
            self._string(name, value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self._number(name, value)
        elif isinstance(value, dict):
            for key, item in value.items():
                self._any(f"{name}.{key}", item, depth + 1)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self._any(f"{name}[{i}]", item, depth + 1)


@register
class CodeNode(Node):
    type = "code"
    supports_retry = True
    supports_error_strategy = True
    limits = CodeLimits()

    async def run(self, ctx: NodeContext) -> NodeResult:
        executor = service(ctx.services.code, "code executor (CODE_EXECUTION_ENDPOINT)", self)
        raw_language = str(self.data.get("code_language") or "python3")
        language = LANGUAGES.get(raw_language)
        if language is None:
            raise NodeConfigError(f"Unsupported code language {raw_language!r}.")
        inputs = self.variables_inputs(ctx.pool)
        runner = build_runner(language, str(self.data.get("code") or ""), inputs)
        stdout = await executor.execute(language, runner)
        result = parse_result(stdout)
        return NodeResult(outputs=self.check_outputs(result), inputs=inputs)

    def check_outputs(self, result: Mapping[str, Any]) -> dict[str, Any]:
        declared = self.data.get("outputs") or {}
        if not isinstance(declared, Mapping) or not declared:
            return dict(result)
        checker = _Checker(self.limits)
        outputs: dict[str, Any] = {}
        for name, schema in declared.items():
            if name not in result:
                raise OutputValidationError(f"Output {name} is missing.")
            kind = (
                str((schema or {}).get("type") or "string").lower()
                if isinstance(schema, Mapping)
                else "string"
            )
            outputs[name] = checker.check(name, kind, result[name])
        return outputs
