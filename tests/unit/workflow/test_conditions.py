"""Every Dify comparison operator, condition groups, and the nodes built on them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.workflow.conftest import file_var, finished, graph, node, run_graph
from yarrow.workflow import VariablePool
from yarrow.workflow.conditions import check_all, check_condition, compare
from yarrow.workflow.errors import NodeConfigError
from yarrow.workflow.nodes.transform import apply_operation


@pytest.mark.parametrize(
    ("operator", "actual", "expected", "result"),
    [
        ("contains", "hello world", "world", True),
        ("contains", ["a", "b"], "b", True),
        ("contains", None, "x", False),
        ("not contains", "hello", "x", True),
        ("not contains", None, "x", True),
        ("start with", "hello", "he", True),
        ("start with", None, "he", False),
        ("end with", "hello", "lo", True),
        ("is", "a", "a", True),
        ("is", "a", "b", False),
        ("is", None, "", False),
        ("is", True, "true", True),
        ("is not", "a", "b", True),
        ("empty", "", None, True),
        ("empty", [], None, True),
        ("empty", None, None, True),
        ("empty", "x", None, False),
        ("not empty", [1], None, True),
        ("in", "a", ["a", "b"], True),
        ("in", "c", ["a", "b"], False),
        ("in", ["a"], ["a", "b"], True),
        ("not in", "c", ["a", "b"], True),
        ("all of", ["a", "b", "c"], ["a", "b"], True),
        ("all of", ["a"], ["a", "b"], False),
        ("=", 3, "3", True),
        ("=", "3.0", "3", True),
        ("=", None, "3", False),
        ("≠", 3, "4", True),
        ("≠", None, "4", False),
        ("!=", 3, "3", False),
        (">", 5, "3", True),
        ("<", 5, "3", False),
        ("≥", 3, "3", True),
        (">=", 2, "3", False),
        ("≤", 3, "3", True),
        ("<=", 4, "3", False),
        ("null", None, None, True),
        ("not null", 0, None, True),
        ("exists", file_var("a.png"), None, True),
        ("not exists", None, None, True),
        ("=", True, "true", True),
        ("≠", False, "true", True),
    ],
)
def test_operator(operator: str, actual: Any, expected: Any, result: bool) -> None:
    assert compare(operator, actual, expected) is result


def test_unknown_operator_and_bad_number_are_config_errors() -> None:
    with pytest.raises(NodeConfigError):
        compare("resembles", "a", "b")
    with pytest.raises(NodeConfigError):
        compare(">", "abc", "1")


def test_condition_values_are_templates_and_groups_combine() -> None:
    pool = VariablePool(system={"query": "cats and dogs"})
    pool.add_outputs(
        "n", {"want": "dogs", "files": [file_var("a.png"), file_var("b.pdf", "document")]}
    )
    cond = {
        "variable_selector": ["sys", "query"],
        "comparison_operator": "contains",
        "value": "{{#n.want#}}",
    }
    assert check_condition(cond, pool)
    false = {**cond, "value": "birds"}
    assert check_all([cond, false], "and", pool) == (False, [True, False])
    assert check_all([false, cond], "or", pool) == (True, [False, True])
    assert check_all([], "and", pool) == (True, [])
    files = {
        "variable_selector": ["n", "files"],
        "comparison_operator": "contains",
        "sub_variable_condition": {
            "logical_operator": "and",
            "conditions": [{"key": "type", "comparison_operator": "is", "value": "document"}],
        },
    }
    assert check_condition(files, pool)
    assert not check_condition({**files, "comparison_operator": "all of"}, pool)
    assert not check_condition({**files, "comparison_operator": "not contains"}, pool)


async def test_legacy_if_else_conditions_use_true_handle() -> None:
    g = graph(
        [
            node("s", "start"),
            node(
                "if",
                "if-else",
                logical_operator="and",
                conditions=[
                    {
                        "variable_selector": ["s", "q"],
                        "comparison_operator": "contains",
                        "value": "x",
                    }
                ],
            ),
            node("yes", "answer", answer="yes"),
            node("no", "answer", answer="no"),
        ],
        [
            {"source": "s", "target": "if"},
            {"source": "if", "target": "yes", "sourceHandle": "true"},
            {"source": "if", "target": "no", "sourceHandle": "false"},
        ],
    )
    _, result = await run_graph(g, inputs={"q": "xyz"}, mode="advanced-chat")
    assert result.answer == "yes"


@pytest.mark.parametrize(
    ("operation", "current", "value", "expected"),
    [
        ("over-write", 1, 2, 2),
        ("set", "a", "b", "b"),
        ("clear", [1], None, []),
        ("clear", "s", None, ""),
        ("clear", 4, None, 0),
        ("clear", {"a": 1}, None, {}),
        ("append", [1], 2, [1, 2]),
        ("extend", [1], [2, 3], [1, 2, 3]),
        ("remove-first", [1, 2], None, [2]),
        ("remove-last", [1, 2], None, [1]),
        ("+=", 1, 2, 3),
        ("-=", 1, 2, -1),
        ("*=", 3, 2, 6),
        ("/=", 3, 2, 1.5),
    ],
)
def test_assigner_operations(operation: str, current: Any, value: Any, expected: Any) -> None:
    assert apply_operation(operation, current, value) == expected


@pytest.mark.parametrize(
    ("operation", "current", "value"),
    [("append", "str", 1), ("extend", [1], 2), ("+=", "a", 1), ("/=", 1, 0), ("bogus", 1, 1)],
)
def test_assigner_operation_errors(operation: str, current: Any, value: Any) -> None:
    with pytest.raises(Exception):  # noqa: B017 - NodeRunError or NodeConfigError
        apply_operation(operation, current, value)


async def test_assigner_v1_and_legacy_variable_assigner() -> None:
    v1 = {
        "assigned_variable_selector": ["conversation", "topic"],
        "write_mode": "over-write",
        "input_variable_selector": ["s", "q"],
    }
    for type_ in ("assigner", "variable-assigner"):
        g = graph([node("s", "start"), node("a", type_, **v1), node("e", "end", outputs=[])])
        _, result = await run_graph(
            g, inputs={"q": "new"}, conversation={"topic": "old"}, mode="advanced-chat"
        )
        assert result.conversation_variables == {"topic": "new"}


async def test_variable_aggregator_first_non_null_and_groups() -> None:
    g = graph(
        [
            node("s", "start"),
            node("agg", "variable-aggregator", variables=[["s", "none"], ["s", "b"]]),
            node(
                "grp",
                "variable-assigner",
                advanced_settings={
                    "group_enabled": True,
                    "groups": [
                        {"group_name": "g1", "variables": [["s", "a"]]},
                        {"group_name": "g2", "variables": [["s", "none"]]},
                    ],
                },
            ),
            node("e", "end", outputs=[]),
        ]
    )
    events, _ = await run_graph(g, inputs={"a": 1, "b": 2})
    assert finished(events, "agg")[0]["outputs"] == {"output": 2}
    assert finished(events, "grp")[0]["outputs"] == {"g1": {"output": 1}, "g2": {"output": None}}


async def test_list_operator_filter_order_limit_extract() -> None:
    files = [file_var("b.png"), file_var("a.pdf", "document"), file_var("c.png")]
    base: dict[str, Any] = {"variable": ["s", "items"]}
    cases: list[tuple[dict[str, Any], list[str]]] = [
        (
            {
                "filter_by": {
                    "enabled": True,
                    "conditions": [
                        {"key": "type", "comparison_operator": "in", "value": ["image"]}
                    ],
                }
            },
            ["b.png", "c.png"],
        ),
        (
            {"order_by": {"enabled": True, "key": "name", "value": "desc"}},
            ["c.png", "b.png", "a.pdf"],
        ),
        ({"limit": {"enabled": True, "size": 1}}, ["b.png"]),
        ({"extract_by": {"enabled": True, "serial": "2"}}, ["a.pdf"]),
    ]
    for extra, expected in cases:
        g = graph(
            [
                node("s", "start"),
                node("l", "list-operator", **base, **extra),
                node("e", "end", outputs=[]),
            ]
        )
        events, _ = await run_graph(g, inputs={"items": files})
        out = finished(events, "l")[0]["outputs"]
        assert [f["filename"] for f in out["result"]] == expected
        assert out["first_record"]["filename"] == expected[0]
        assert out["last_record"]["filename"] == expected[-1]
    g = graph(
        [
            node("s", "start"),
            node(
                "l",
                "list-operator",
                variable=["s", "items"],
                order_by={"enabled": True, "value": "asc"},
            ),
            node("e", "end", outputs=[]),
        ]
    )
    events, _ = await run_graph(g, inputs={"items": [3, 1, 2]})
    assert finished(events, "l")[0]["outputs"]["result"] == [1, 2, 3]
    events, result = await run_graph(g, inputs={"items": "nope"})
    assert result.status == "failed"


async def test_assigner_enforces_declared_conversation_types() -> None:
    def assign(operation: str, input_type: str, value: Any) -> Any:
        return graph(
            [
                node("s", "start"),
                node(
                    "a",
                    "assigner",
                    version="2",
                    items=[
                        {
                            "variable_selector": ["conversation", "count"],
                            "input_type": input_type,
                            "operation": operation,
                            "value": value,
                        }
                    ],
                ),
                node("e", "end", outputs=[]),
            ]
        )

    kwargs: dict[str, Any] = {
        "conversation": {"count": 1},
        "mode": "advanced-chat",
        "conversation_types": {"count": "number"},
    }
    _, ok = await run_graph(assign("+=", "constant", 2), **kwargs)
    assert ok.status == "succeeded" and ok.conversation_variables == {"count": 3}
    _, bad = await run_graph(assign("over-write", "constant", "three"), **kwargs)
    assert bad.status == "failed" and "is number" in (bad.error or "")
    assert bad.conversation_variables == {"count": 1}
    _, missing = await run_graph(assign("over-write", "variable", ["s", "nothing"]), **kwargs)
    assert missing.status == "failed" and "not found" in (missing.error or "")
    _, cleared = await run_graph(assign("clear", "variable", None), **kwargs)
    assert cleared.conversation_variables == {"count": 0}


@pytest.mark.parametrize(
    ("value_type", "value", "ok"),
    [
        ("string", "a", True),
        ("string", 1, False),
        ("number", 1.5, True),
        ("number", True, False),
        ("boolean", False, True),
        ("object", {}, True),
        ("object", [], False),
        ("array[string]", ["a"], True),
        ("array[string]", ["a", 1], False),
        ("array[number]", [1, 2.5], True),
        ("array[object]", [{}], True),
        ("array[any]", [1, "a"], True),
        ("Array[String]", ["a"], True),
        ("file", file_var("a.png"), True),
        ("file", {}, False),
        ("array[file]", [file_var("a.png")], True),
        ("secret", "s", True),
    ],
)
def test_matches_type(value_type: str, value: Any, ok: bool) -> None:
    from yarrow.workflow.variables import matches_type

    assert matches_type(value_type, value) is ok


@pytest.mark.parametrize("target", [["sys", "user_id"], ["env", "KEY"]])
async def test_assigner_cannot_write_system_or_environment(target: list[str]) -> None:
    g = graph(
        [
            node("s", "start"),
            node(
                "a",
                "assigner",
                version="2",
                items=[
                    {
                        "variable_selector": target,
                        "input_type": "constant",
                        "operation": "over-write",
                        "value": "evil",
                    }
                ],
            ),
            node("e", "end", outputs=[]),
        ]
    )
    _, result = await run_graph(g)
    assert result.status == "failed" and "read-only" in (result.error or "")


async def test_assigner_cannot_overwrite_node_outputs() -> None:
    g = graph(
        [
            node("s", "start"),
            node(
                "a",
                "assigner",
                version="2",
                items=[
                    {
                        "variable_selector": ["s", "q"],
                        "input_type": "constant",
                        "operation": "over-write",
                        "value": "evil",
                    }
                ],
            ),
            node("e", "end", outputs=[]),
        ]
    )
    _, result = await run_graph(g, inputs={"q": "good"})
    assert result.status == "failed" and "read-only" in (result.error or "")
