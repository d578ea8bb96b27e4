"""SQL for the pgvector backend: table names and filter compilation.

Every value is bound as a query parameter; identifiers go through ``psycopg.sql.Identifier``.
Metadata lives in a ``jsonb`` column ``meta``; equality compares ``jsonb`` values, which keeps
it type-strict (``"3"`` is not ``3``, ``3`` is ``3.0``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from psycopg import sql

from yarrow.vectorstores.filters import (
    BUILTIN_FIELDS,
    And,
    Eq,
    Filter,
    In,
    Not,
    Or,
    Range,
    check_field,
)

MAX_IDENTIFIER = 63
_OPERATORS = {">": sql.SQL(">"), ">=": sql.SQL(">="), "<": sql.SQL("<"), "<=": sql.SQL("<=")}


def table_name(collection: str) -> str:
    """``embedding_<collection>`` (Dify's name), shortened with a hash past 63 characters."""
    name = f"embedding_{collection}"
    if len(name) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{name[: MAX_IDENTIFIER - 9]}_{digest}"


def index_name(table: str, suffix: str) -> str:
    """A short, unique index name for ``table``."""
    digest = hashlib.md5(table.encode(), usedforsecurity=False).hexdigest()[:12]
    return f"yv_{digest}_{suffix}"


def compile_filter(flt: Filter, params: list[Any]) -> sql.Composable:
    """SQL for ``flt``, appending its parameters to ``params`` in placeholder order."""
    if isinstance(flt, Eq):
        if flt.field in BUILTIN_FIELDS:
            params.append(flt.value)
            return sql.SQL("{} = %s").format(sql.Identifier(flt.field))
        params.extend([check_field(flt.field), json.dumps(flt.value)])
        return sql.SQL("(meta -> %s) = %s::jsonb")
    if isinstance(flt, In):
        if not flt.values:
            return sql.SQL("false")
        if flt.field in BUILTIN_FIELDS:
            params.append([str(v) for v in flt.values])
            return sql.SQL("{} = ANY(%s::text[])").format(sql.Identifier(flt.field))
        params.extend([check_field(flt.field), [json.dumps(v) for v in flt.values]])
        return sql.SQL("(meta -> %s) = ANY(%s::jsonb[])")
    if isinstance(flt, Range):
        parts = []
        for op, bound in flt.bounds():
            params.extend([check_field(flt.field), flt.field, bound])
            parts.append(
                sql.SQL(
                    "(CASE WHEN jsonb_typeof(meta -> %s) = 'number' "
                    "THEN (meta ->> %s)::float8 END) {} %s"
                ).format(_OPERATORS[op])
            )
        return sql.SQL(" AND ").join(parts)
    if isinstance(flt, And | Or):
        if not flt.conditions:
            return sql.SQL("true" if isinstance(flt, And) else "false")
        joiner = " AND " if isinstance(flt, And) else " OR "
        children = [
            sql.SQL("({})").format(compile_filter(child, params)) for child in flt.conditions
        ]
        return sql.SQL(joiner).join(children)
    if isinstance(flt, Not):
        return sql.SQL("NOT coalesce(({}), false)").format(compile_filter(flt.condition, params))
    raise TypeError(f"not a filter: {flt!r}")  # unreachable after check_filter


def where(flt: Filter | None, params: list[Any]) -> sql.Composable:
    """`` WHERE <filter>`` or nothing."""
    if flt is None:
        return sql.SQL("")
    return sql.SQL(" WHERE {}").format(compile_filter(flt, params))


def vector_literal(vector: tuple[float, ...]) -> str:
    """pgvector's text form ``[x,y,...]``."""
    return "[" + ",".join(repr(v) for v in vector) + "]"


__all__ = ["compile_filter", "index_name", "table_name", "vector_literal", "where"]
