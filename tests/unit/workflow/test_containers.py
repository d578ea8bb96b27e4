"""Iteration and loop: order, parallelism limits, error modes, loop limits, breaks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.unit.workflow.conftest import edge, finished, graph, names, node, run_graph
from yarrow.workflow import WorkflowServices as Services
from yarrow.workflow.ports import ToolRequest, ToolResult

START = node("s", "start", variables=[])


def child(parent: str, node_id: str, type_: str, **data: Any) -> dict[str, Any]:
    return {**node(node_id, type_, **data), "parentId": parent}


def iteration_graph(
    body: list[dict[str, Any]], body_edges: list[dict[str, Any]], **data: Any
) -> Any:
    it = node(
        "it",
        "iteration",
        iterator_selector=["s", "items"],
        start_node_id="it-start",
        **{"output_selector": ["double", "output"], **data},
    )
    nodes = [
        START,
        it,
        child("it", "it-start", "iteration-start"),
        *body,
        node("e", "end", outputs=[{"variable": "out", "value_selector": ["it", "output"]}]),
    ]
    return graph(nodes, [edge("s", "it"), edge("it", "e"), *body_edges])


DOUBLE = child(
    "it",
    "double",
    "template-transform",
    template="{{ item * 2 }}",
    variables=[{"variable": "item", "value_selector": ["it", "item"]}],
)


async def test_iteration_runs_items_in_order_with_item_and_index() -> None:
    g = iteration_graph([DOUBLE], [edge("it-start", "double")])
    events, result = await run_graph(g, system={}, inputs={"items": [1, 2, 3]}, conversation={})
    assert result.status == "succeeded"
    assert result.outputs == {"out": ["2", "4", "6"]}
    kinds = [n for n in names(events) if n.startswith("iteration")]
    assert kinds == ["iteration_started"] + ["iteration_next"] * 3 + ["iteration_completed"]
    body = [
        e.data() for e in events if e.name == "node_finished" and e.data()["node_id"] == "double"
    ]
    assert all(b["iteration_id"] == "it" for b in body)


async def test_start_passes_iterator_input() -> None:
    g = iteration_graph([DOUBLE], [edge("it-start", "double")])
    # start node has no declared variables: undeclared inputs pass through unchanged
    _, result = await run_graph(g, inputs={"items": []})
    assert result.outputs == {"out": []}


async def test_parallel_iteration_respects_parallel_nums() -> None:
    active, peak = [0], [0]

    class Tools:
        async def invoke(self, request: ToolRequest) -> ToolResult:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            await asyncio.sleep(0.01)
            active[0] -= 1
            return ToolResult(text=str(request.parameters["x"]))

    tool = child(
        "it",
        "t",
        "tool",
        provider_id="p",
        tool_name="t",
        tool_parameters={"x": {"type": "variable", "value": ["it", "item"]}},
    )
    g = iteration_graph(
        [tool],
        [edge("it-start", "t")],
        is_parallel=True,
        parallel_nums=3,
        output_selector=["t", "text"],
    )
    _, result = await run_graph(
        g, services=Services(tools=Tools()), inputs={"items": list(range(10))}
    )
    assert result.outputs == {"out": [str(i) for i in range(10)]}
    assert peak[0] == 3


@pytest.mark.parametrize(
    ("mode", "status", "out"),
    [
        ("terminated", "failed", None),
        ("continue-on-error", "succeeded", ["2", None, "6"]),
        ("remove-abnormal-output", "succeeded", ["2", "6"]),
    ],
)
async def test_iteration_error_modes(mode: str, status: str, out: list[Any] | None) -> None:
    body = child(
        "it",
        "double",
        "template-transform",
        template="{% if item == 2 %}{{ item.missing() }}{% endif %}{{ item * 2 }}",
        variables=[{"variable": "item", "value_selector": ["it", "item"]}],
    )
    g = iteration_graph([body], [edge("it-start", "double")], error_handle_mode=mode)
    _, result = await run_graph(g, inputs={"items": [1, 2, 3]})
    assert result.status == status
    if out is not None:
        assert result.outputs == {"out": out}


async def test_iteration_flattens_list_outputs_unless_disabled() -> None:
    body = child("it", "double", "list-operator", variable=["it", "item"])
    for flatten, expected in [(True, [1, 2, 3]), (False, [[1, 2], [3]])]:
        g = iteration_graph(
            [body],
            [edge("it-start", "double")],
            flatten_output=flatten,
            output_selector=["double", "result"],
        )
        _, result = await run_graph(g, inputs={"items": [[1, 2], [3]]})
        assert result.outputs == {"out": expected}


async def test_iteration_rejects_non_array_input() -> None:
    g = iteration_graph([DOUBLE], [edge("it-start", "double")])
    _, result = await run_graph(g, inputs={"items": "abc"})
    assert result.status == "failed" and "array" in (result.error or "")


def loop_graph(body: list[dict[str, Any]], body_edges: list[dict[str, Any]], **data: Any) -> Any:
    loop = node(
        "loop",
        "loop",
        start_node_id="ls",
        loop_variables=[
            {"label": "n", "var_type": "number", "value_type": "constant", "value": "0"},
            {"label": "log", "var_type": "array[string]", "value_type": "constant", "value": "[]"},
        ],
        **data,
    )
    nodes = [
        START,
        loop,
        child("loop", "ls", "loop-start"),
        *body,
        node(
            "e",
            "end",
            outputs=[
                {"variable": "n", "value_selector": ["loop", "n"]},
                {"variable": "log", "value_selector": ["loop", "log"]},
                {"variable": "r", "value_selector": ["loop", "loop_round"]},
            ],
        ),
    ]
    return graph(nodes, [edge("s", "loop"), edge("loop", "e"), *body_edges])


INC = child(
    "loop",
    "inc",
    "assigner",
    version="2",
    items=[
        {
            "variable_selector": ["loop", "n"],
            "input_type": "constant",
            "operation": "+=",
            "value": 1,
        },
        {
            "variable_selector": ["loop", "log"],
            "input_type": "variable",
            "operation": "append",
            "value": ["loop", "n"],
        },
    ],
)


async def test_loop_stops_at_loop_count() -> None:
    g = loop_graph([INC], [edge("ls", "inc")], loop_count=4)
    events, result = await run_graph(g)
    assert result.outputs == {"n": 4, "log": [1, 2, 3, 4], "r": 4}
    assert names(events).count("loop_next") == 4
    assert finished(events, "loop")[0]["process_data"] == {"completed_reason": "loop_completed"}


async def test_loop_break_conditions_are_checked_each_round() -> None:
    g = loop_graph(
        [INC],
        [edge("ls", "inc")],
        loop_count=10,
        logical_operator="and",
        break_conditions=[
            {"variable_selector": ["loop", "n"], "comparison_operator": "≥", "value": "3"}
        ],
    )
    events, result = await run_graph(g)
    assert result.outputs["n"] == 3 and result.outputs["r"] == 3
    assert finished(events, "loop")[0]["process_data"] == {"completed_reason": "loop_break"}


async def test_loop_end_node_breaks_immediately() -> None:
    cases = [
        {
            "case_id": "stop",
            "conditions": [
                {"variable_selector": ["loop", "n"], "comparison_operator": "=", "value": "2"}
            ],
        }
    ]
    g = loop_graph(
        [INC, child("loop", "if", "if-else", cases=cases), child("loop", "le", "loop-end")],
        [edge("ls", "inc"), edge("inc", "if"), edge("if", "le", "stop")],
        loop_count=10,
    )
    _, result = await run_graph(g)
    assert result.outputs["n"] == 2 and result.outputs["r"] == 2


async def test_loop_body_failure_fails_loop() -> None:
    bad = child(
        "loop",
        "bad",
        "assigner",
        version="2",
        items=[
            {
                "variable_selector": ["loop", "n"],
                "input_type": "constant",
                "operation": "append",
                "value": 1,
            }
        ],
    )
    g = loop_graph([bad], [edge("ls", "bad")], loop_count=3)
    _, result = await run_graph(g)
    assert result.status == "failed" and "non-array" in (result.error or "")


async def test_conversation_variables_written_inside_iteration_persist() -> None:
    body = child(
        "it",
        "assign",
        "assigner",
        version="2",
        items=[
            {
                "variable_selector": ["conversation", "seen"],
                "input_type": "variable",
                "operation": "append",
                "value": ["it", "item"],
            }
        ],
    )
    g = iteration_graph([body], [edge("it-start", "assign")], output_selector=["it", "item"])
    _, result = await run_graph(
        g, inputs={"items": ["a", "b"]}, conversation={"seen": []}, mode="advanced-chat"
    )
    assert result.conversation_variables == {"seen": ["a", "b"]}


async def test_loop_break_condition_can_read_body_outputs() -> None:
    body = child(
        "loop",
        "t",
        "template-transform",
        template="{{ n }}",
        variables=[{"variable": "n", "value_selector": ["loop", "n"]}],
    )
    g = loop_graph(
        [INC, body],
        [edge("ls", "inc"), edge("inc", "t")],
        loop_count=10,
        break_conditions=[
            {"variable_selector": ["t", "output"], "comparison_operator": "is", "value": "2"}
        ],
    )
    _, result = await run_graph(g)
    assert result.outputs["n"] == 2


async def test_answers_inside_an_iteration_stream_once_per_item() -> None:
    body = child("it", "say", "answer", answer="item {{#it.item#}}. ")
    g = graph(
        [
            START,
            node("intro", "answer", answer="Start. "),
            node(
                "it",
                "iteration",
                iterator_selector=["s", "items"],
                output_selector=["say", "answer"],
                start_node_id="it-start",
            ),
            child("it", "it-start", "iteration-start"),
            body,
            node("outro", "answer", answer="Done."),
        ],
        [edge("s", "intro"), edge("intro", "it"), edge("it", "outro"), edge("it-start", "say")],
    )
    events, result = await run_graph(g, inputs={"items": [1, 2]}, mode="advanced-chat")
    chunks = [e.data()["text"] for e in events if e.name == "text_chunk"]
    assert chunks == ["Start. ", "item 1. ", "item 2. ", "Done."]
    assert result.answer == "Start. item 1. item 2. Done."
