"""Filters compile to safe LanceDB SQL text and to parameterised PostgreSQL."""

from __future__ import annotations

import pytest
from psycopg import sql

from yarrow.vectorstores.filters import And, Eq, In, Not, Or, Range, document_ids
from yarrow.vectorstores.lancedb_sql import compile_filter as lance_sql
from yarrow.vectorstores.lancedb_sql import literal
from yarrow.vectorstores.pgvector_sql import compile_filter as pg_sql
from yarrow.vectorstores.pgvector_sql import index_name, table_name, vector_literal


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("plain", "'plain'"),
        ("it's", "'it''s'"),
        ("' OR '1'='1", "''' OR ''1''=''1'"),
        ("back\\slash", "'back\\slash'"),
    ],
)
def test_lance_literal_doubles_quotes(value: str, quoted: str) -> None:
    assert literal(value) == quoted


def test_lance_sql_shapes() -> None:
    assert lance_sql(Eq("document_id", "d'1")) == "document_id = 'd''1'"
    assert lance_sql(document_ids(["a", "b"])) == "document_id IN ('a', 'b')"
    assert lance_sql(In("id", ())) == "false"
    assert lance_sql(Eq("lang", "en")) == "json_extract(metadata, '$.lang') = '\"en\"'"
    assert lance_sql(Eq("n", 3)) == "try_cast(json_extract(metadata, '$.n') AS DOUBLE) = 3.0"
    assert lance_sql(Eq("flag", True)) == "json_extract(metadata, '$.flag') = 'true'"
    assert lance_sql(Range("n", gt=1, lte=2)) == (
        "try_cast(json_extract(metadata, '$.n') AS DOUBLE) > 1.0 AND "
        "try_cast(json_extract(metadata, '$.n') AS DOUBLE) <= 2.0"
    )
    assert lance_sql(Not(Eq("id", "x"))) == "NOT coalesce((id = 'x'), false)"
    assert lance_sql(And(())) == "true" and lance_sql(Or(())) == "false"
    mixed = lance_sql(In("k", (1, "1")))
    assert "IN (1.0)" in mixed and "IN ('\"1\"')" in mixed


def test_lance_json_string_values_keep_quotes_escaped() -> None:
    compiled = lance_sql(Eq("note", 'say "hi" it\'s'))
    assert compiled == "json_extract(metadata, '$.note') = '\"say \\\"hi\\\" it''s\"'"


def _render(flt: object) -> tuple[str, list[object]]:
    params: list[object] = []
    composed = pg_sql(flt, params)  # type: ignore[arg-type]
    return composed.as_string(None), params


def test_pg_sql_binds_every_value() -> None:
    text, params = _render(Eq("document_id", "x'; DROP TABLE t; --"))
    assert text == '"document_id" = %s'
    assert params == ["x'; DROP TABLE t; --"]
    text, params = _render(Eq("lang", "en"))
    assert text == "(meta -> %s) = %s::jsonb" and params == ["lang", '"en"']
    text, params = _render(In("document_id", ("a", "b")))
    assert text == '"document_id" = ANY(%s::text[])' and params == [["a", "b"]]
    text, params = _render(Or((Eq("n", 1), Not(Range("n", gte=2)))))
    assert "NOT coalesce" in text and "'number'" in text
    assert params == ["n", "1", "n", "n", 2.0]


def test_pg_names() -> None:
    assert table_name("vector_index_abc_node") == "embedding_vector_index_abc_node"
    long = table_name("vector_index_" + "a" * 36 + "_node")
    assert len(long) <= 63 and long.startswith("embedding_vector_index_")
    assert long != table_name("vector_index_" + "a" * 35 + "b_node")
    assert index_name("embedding_x", "hnsw").startswith("yv_") and len(index_name("t", "x")) < 63
    assert vector_literal((1.0, -0.5, 2e-08)) == "[1.0,-0.5,2e-08]"


def test_sql_composable_type() -> None:
    assert isinstance(pg_sql(Eq("id", "a"), []), sql.Composable)
