"""Compile :mod:`yarrow.vectorstores.filters` into a LanceDB (DataFusion) ``WHERE`` clause.

Lance takes filters as SQL text, so every value passes through :func:`literal`, the one quoting
function (standard SQL: single quotes doubled, no backslash escapes in Lance's dialect). Field
names were validated against a strict pattern before reaching here. Metadata lives in a JSON
column; ``json_extract`` returns a value's JSON text, which keeps comparisons type-strict.
"""

from __future__ import annotations

import json

from yarrow.vectorstores.filters import (
    BUILTIN_FIELDS,
    And,
    Eq,
    Filter,
    In,
    Not,
    Or,
    Range,
    ScalarValue,
    check_field,
    value_kind,
)


def literal(value: str) -> str:
    """A SQL string literal for ``value``."""
    return "'" + value.replace("'", "''") + "'"


def _number(value: float) -> str:
    return repr(float(value))


def _json_text(key: str) -> str:
    return f"json_extract(metadata, {literal('$.' + check_field(key))})"


def _as_double(key: str) -> str:
    return f"try_cast({_json_text(key)} AS DOUBLE)"


def _encoded(value: ScalarValue) -> str:
    return json.dumps(value, ensure_ascii=False)


def _eq(field: str, value: ScalarValue) -> str:
    if field in BUILTIN_FIELDS:
        return f"{field} = {literal(str(value))}"
    if value_kind(value) == "number":
        return f"{_as_double(field)} = {_number(float(value))}"
    return f"{_json_text(field)} = {literal(_encoded(value))}"


def _in(field: str, values: tuple[ScalarValue, ...]) -> str:
    if not values:
        return "false"
    if field in BUILTIN_FIELDS:
        return f"{field} IN ({', '.join(literal(str(v)) for v in values)})"
    numbers = [_number(float(v)) for v in values if value_kind(v) == "number"]
    others = [literal(_encoded(v)) for v in values if value_kind(v) != "number"]
    parts = []
    if numbers:
        parts.append(f"{_as_double(field)} IN ({', '.join(numbers)})")
    if others:
        parts.append(f"{_json_text(field)} IN ({', '.join(others)})")
    return " OR ".join(f"({p})" for p in parts)


def compile_filter(flt: Filter) -> str:
    """The ``WHERE`` expression for ``flt``; rows where it is NULL or false are excluded."""
    if isinstance(flt, Eq):
        return _eq(flt.field, flt.value)
    if isinstance(flt, In):
        return _in(flt.field, flt.values)
    if isinstance(flt, Range):
        column = _as_double(flt.field)
        return " AND ".join(f"{column} {op} {_number(v)}" for op, v in flt.bounds())
    if isinstance(flt, And):
        if not flt.conditions:
            return "true"
        return " AND ".join(f"({compile_filter(c)})" for c in flt.conditions)
    if isinstance(flt, Or):
        if not flt.conditions:
            return "false"
        return " OR ".join(f"({compile_filter(c)})" for c in flt.conditions)
    if isinstance(flt, Not):
        return f"NOT coalesce(({compile_filter(flt.condition)}), false)"
    raise TypeError(f"not a filter: {flt!r}")  # unreachable after check_filter


__all__ = ["compile_filter", "literal"]
