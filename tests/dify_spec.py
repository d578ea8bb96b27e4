"""Validators for Dify's own OpenAPI schemas (``shared/reference/dify-openapi``).

OpenAPI 3.0's ``nullable`` is turned into JSON Schema's ``type: [T, "null"]``, and ``oneOf`` into
``anyOf``: Dify's spec lists alternatives that do not exclude each other (no ``required`` keys), so
under ``oneOf`` every valid value would fail for matching several.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

SPEC_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference" / "dify-openapi"
SERVICE_SPEC = SPEC_DIR / "openapi_service.json"


def _nullable(schema: Any) -> Any:
    if isinstance(schema, dict):
        schema = {k: _nullable(v) for k, v in schema.items()}
        if schema.pop("nullable", False) and "type" in schema:
            schema["type"] = [schema["type"], "null"]
        schema.pop("discriminator", None)
        if "oneOf" in schema:
            schema["anyOf"] = schema.pop("oneOf")
        return schema
    if isinstance(schema, list):
        return [_nullable(item) for item in schema]
    return schema


@functools.cache
def _spec(path: Path) -> Any:
    return _nullable(json.loads(path.read_text(encoding="utf-8")))


@functools.cache
def validator(name: str, path: Path = SERVICE_SPEC) -> Draft202012Validator:
    """A validator for ``#/components/schemas/<name>`` of the spec at ``path``."""
    spec = _spec(path)
    root = {"components": copy.deepcopy(spec["components"]), "$ref": f"#/components/schemas/{name}"}
    return Draft202012Validator(root, format_checker=FormatChecker())


def assert_valid(name: str, instance: Any, path: Path = SERVICE_SPEC) -> None:
    """Fail with every schema violation of ``instance`` against schema ``name``."""
    errors = sorted(validator(name, path).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "\n".join(
        f"{name}: {'/'.join(map(str, e.path))}: {e.message}" for e in errors[:10]
    )
