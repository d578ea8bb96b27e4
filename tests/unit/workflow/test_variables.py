"""Variable pool, selectors, templates, secrets and scopes; graph construction."""

from __future__ import annotations

import pytest

from tests.unit.workflow.conftest import edge, file_var, graph, node
from yarrow.workflow import EnvironmentVariable, Graph, VariablePool
from yarrow.workflow.errors import NodeRunError
from yarrow.workflow.variables import (
    SECRET_MASK,
    TextSegment,
    VariableSegment,
    parse_template,
    to_text,
)


def pool(**kwargs: object) -> VariablePool:
    p = VariablePool(
        system={"query": "hi", "user_id": "u1"},
        environment=[
            EnvironmentVariable("KEY", "sk-123", "secret"),
            EnvironmentVariable("BASE", "https://x"),
        ],
        conversation={"topic": "cats"},
        **kwargs,
    )  # type: ignore[arg-type]
    p.add_outputs(
        "1718",
        {"text": "hello", "obj": {"a": {"b": 2}}, "list": [10, 20], "file": file_var("x.png")},
    )
    return p


def test_selectors_read_reserved_ids_nested_keys_and_file_attributes() -> None:
    p = pool()
    assert p.get(["sys", "query"]) == "hi"
    assert p.get(["env", "KEY"]) == "sk-123"
    assert p.get(["conversation", "topic"]) == "cats"
    assert p.get(["1718", "obj", "a", "b"]) == 2
    assert p.get(["1718", "list", "1"]) == 20
    assert p.get(["1718", "file", "name"]) == "x.png"
    assert p.get(["1718", "file", "extension"]) == ".png"
    assert p.get(["1718", "missing"]) is None
    assert p.get(["nope", "x"], "d") == "d"
    assert p.get(["1718"]) is None
    assert not p.has(["1718", "obj", "zzz"])


def test_template_rendering_and_parsing() -> None:
    p = pool()
    assert p.render("{{#sys.query#}} {{#1718.obj.a.b#}} {{#1718.none#}}!") == "hi 2 !"
    assert p.render("{{#1718.obj#}}") == '{"a": {"b": 2}}'
    assert p.render("{{#context#}} and {{ jinja }}") == "{{#context#}} and {{ jinja }}"
    assert parse_template("a{{#n1.v#}}b") == [
        TextSegment("a"),
        VariableSegment(("n1", "v")),
        TextSegment("b"),
    ]
    # node ids are at most 50 chars of [A-Za-z0-9_]; segments start with a letter or _
    assert parse_template("{{#" + "a" * 51 + ".v#}}") == [TextSegment("{{#" + "a" * 51 + ".v#}}")]
    assert parse_template("{{#n.1v#}}") == [TextSegment("{{#n.1v#}}")]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (3, "3"),
        (1.5, "1.5"),
        ("s", "s"),
        ([1, "a"], '[1, "a"]'),
        ({"k": "é"}, '{"k": "é"}'),
        (file_var("a.png"), "https://files.example/a.png"),
    ],
)
def test_to_text(value: object, text: str) -> None:
    assert to_text(value) == text


def test_secret_environment_values_never_shown() -> None:
    p = pool()
    assert p.environment_view() == {"KEY": SECRET_MASK, "BASE": "https://x"}
    assert p.mask_secrets("token sk-123 leaked") == f"token {SECRET_MASK} leaked"


def test_child_scope_reads_parent_and_writes_to_owner() -> None:
    p = pool()
    p.add_outputs("loop", {"n": 1})
    child = p.child()
    child.add_outputs("body", {"x": 1})
    child.set_selector(["loop", "n"], 2)
    child.set_selector(["conversation", "topic"], "dogs")
    assert p.get(["loop", "n"]) == 2
    assert p.get(["conversation", "topic"]) == "dogs"
    assert p.get(["body", "x"]) is None and child.get(["body", "x"]) == 1
    assert child.get(["sys", "query"]) == "hi"
    assert p.conversation_values() == {"topic": "dogs"}
    with pytest.raises(NodeRunError):
        child.set_selector(["only"], 1)


def test_max_variable_size_is_enforced() -> None:
    p = VariablePool(max_variable_size=10)
    p.add("n", "ok", "short")
    p.add("n", "utf8", "é" * 5)
    with pytest.raises(NodeRunError, match="MAX_VARIABLE_SIZE"):
        p.add("n", "utf8", "é" * 6)
    p.add("n", "num", 10**30)
    with pytest.raises(NodeRunError, match="MAX_VARIABLE_SIZE"):
        p.add_outputs("n", {"big": "x" * 11})


def test_graph_drops_notes_builds_container_bodies_and_picks_roots() -> None:
    g = Graph.parse(
        {
            "nodes": [
                {"id": "note", "type": "custom-note", "data": {"type": "", "text": "x"}},
                node("trigger", "trigger-webhook"),
                node("s", "start"),
                node("it", "iteration", start_node_id="c1"),
                {
                    **node("c1", "tool"),
                    "data": {"type": "tool", "isInIteration": True, "iteration_id": "it"},
                },
                {**node("c2", "llm"), "parentId": "it"},
                node("e", "end"),
            ],
            "edges": [edge("s", "it"), edge("it", "e"), edge("c1", "c2"), edge("trigger", "e")],
        }
    )
    assert g.root_id == "s"
    assert set(g.nodes) == {"trigger", "s", "it", "e"}
    body = g.subgraph("it")
    assert body.root_id == "c1" and set(body.nodes) == {"c1", "c2"}
    assert g.node_types() == {"trigger-webhook", "start", "iteration", "tool", "llm", "end"}
    assert g.unsupported_types({"start", "iteration", "tool", "llm", "end"}) == {"trigger-webhook"}
    assert g.topological_order()[0] == "s"


def test_graph_errors_for_empty_container_and_no_root() -> None:
    g = graph([node("s", "start"), node("it", "iteration")])
    assert any("has no body" in e for e in g.errors)
    g = graph([node("a", "tool"), node("b", "tool")], [edge("a", "b"), edge("b", "a")])
    assert "The graph has no start node." in g.errors


def test_rendered_values_are_not_rendered_again() -> None:
    p = VariablePool(environment=[EnvironmentVariable("KEY", "sk-123", "secret")])
    p.add_outputs("u", {"text": "{{#env.KEY#}}"})
    assert p.render("say {{#u.text#}}") == "say {{#env.KEY#}}"


@pytest.mark.parametrize("reserved", ["sys", "env", "conversation"])
def test_nodes_may_not_use_reserved_variable_ids(reserved: str) -> None:
    g = graph([node("s", "start"), node(reserved, "template-transform"), node("e", "end")])
    assert any("reserved" in e for e in g.errors)
