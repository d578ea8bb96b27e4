"""Engine semantics: branches, parallelism, errors, retries, limits, cancellation, streaming."""

from __future__ import annotations

import asyncio

import pytest

from tests.unit.workflow.conftest import (
    FakeChat,
    FakeHttp,
    FakeTools,
    edge,
    finished,
    graph,
    names,
    node,
    run_graph,
)
from yarrow.workflow import EngineLimits, EnvironmentVariable, RunInfo, WorkflowEngine
from yarrow.workflow import WorkflowServices as Services
from yarrow.workflow.errors import ExecutionLimitError, GraphError, UnsupportedNodesError

START = node("s", "start", variables=[{"variable": "x", "type": "number", "required": False}])


def tool(node_id: str, **data: object) -> dict[str, object]:
    return node(
        node_id,
        "tool",
        provider_id="p",
        provider_type="builtin",
        tool_name=node_id,
        tool_parameters={"q": {"type": "mixed", "value": "{{#s.x#}}"}},
        **data,
    )


def end(*selectors: tuple[str, str]) -> dict[str, object]:
    return node(
        "e",
        "end",
        outputs=[{"variable": f"{a}_{b}", "value_selector": [a, b]} for a, b in selectors],
    )


async def test_chain_runs_in_order_and_returns_end_outputs() -> None:
    g = graph(
        [
            START,
            node(
                "t",
                "template-transform",
                template="{{ x * 2 }}",
                variables=[{"variable": "x", "value_selector": ["s", "x"]}],
            ),
            end(("t", "output")),
        ]
    )
    events, result = await run_graph(g, inputs={"x": 21})
    assert result.status == "succeeded"
    assert result.outputs == {"t_output": "42"}
    assert result.total_steps == 3
    assert names(events)[0] == "workflow_started" and names(events)[-1] == "workflow_finished"
    started = [e.data()["node_id"] for e in events if e.name == "node_started"]
    assert started == ["s", "t", "e"]
    assert finished(events, "t")[0]["predecessor_node_id"] == "s"


async def test_parallel_branches_run_concurrently() -> None:
    # Both tools wait on a two-party barrier: sequential execution would never get past it.
    tools = FakeTools(barrier=asyncio.Barrier(2))
    g = graph(
        [START, tool("a"), tool("b"), end(("a", "text"), ("b", "text"))],
        [edge("s", "a"), edge("s", "b"), edge("a", "e"), edge("b", "e")],
    )
    _, result = await asyncio.wait_for(run_graph(g, services=Services(tools=tools)), 5)
    assert result.status == "succeeded"
    assert set(result.outputs) == {"a_text", "b_text"}


@pytest.mark.parametrize(("x", "taken", "skipped"), [(5, "big", "small"), (1, "small", "big")])
async def test_if_else_takes_case_handle_skips_other_branch_and_joins(
    x: int, taken: str, skipped: str
) -> None:
    cases = [
        {
            "case_id": "c1",
            "logical_operator": "and",
            "conditions": [
                {"variable_selector": ["s", "x"], "comparison_operator": ">", "value": "3"}
            ],
        }
    ]
    g = graph(
        [
            START,
            node("if", "if-else", cases=cases),
            tool("big"),
            tool("small"),
            node("agg", "variable-aggregator", variables=[["big", "text"], ["small", "text"]]),
            end(("agg", "output")),
        ],
        [
            edge("s", "if"),
            edge("if", "big", "c1"),
            edge("if", "small", "false"),
            edge("big", "agg"),
            edge("small", "agg"),
            edge("agg", "e"),
        ],
    )
    events, result = await run_graph(g, services=Services(tools=FakeTools()), inputs={"x": x})
    assert result.status == "succeeded"
    assert result.outputs["agg_output"].startswith(f"{taken}:")
    assert not finished(events, skipped)
    assert finished(events, "if")[0]["outputs"]["selected_case_id"] == ("c1" if x > 3 else "false")


async def test_failure_without_strategy_fails_run_and_cancels_siblings() -> None:
    block = asyncio.Event()
    g = graph(
        [START, tool("bad"), node("slow", "tool", provider_id="p", tool_name="slow"), end()],
        [edge("s", "bad"), edge("s", "slow"), edge("bad", "e"), edge("slow", "e")],
    )

    class Tools(FakeTools):
        async def invoke(self, request):  # type: ignore[no-untyped-def]
            if request.tool_name == "bad":
                raise RuntimeError("boom")
            await block.wait()
            raise AssertionError("never released")

    events, result = await asyncio.wait_for(run_graph(g, services=Services(tools=Tools())), 5)
    assert result.status == "failed"
    assert "boom" in (result.error or "")
    assert finished(events, "bad")[0]["status"] == "failed"
    assert finished(events, "slow")[0]["status"] == "stopped"


async def test_fail_branch_routes_to_fail_edge_with_error_outputs() -> None:
    g = graph(
        [
            START,
            tool("t", error_strategy="fail-branch"),
            tool("ok"),
            node(
                "handler",
                "template-transform",
                template="handled: {{ m }}",
                variables=[{"variable": "m", "value_selector": ["t", "error_message"]}],
            ),
            end(("handler", "output")),
        ],
        [
            edge("s", "t"),
            edge("t", "ok", "success-branch"),
            edge("t", "handler", "fail-branch"),
            edge("ok", "e"),
            edge("handler", "e"),
        ],
    )
    events, result = await run_graph(g, services=Services(tools=FakeTools(failures=1)))
    assert result.status == "partial-succeeded"
    assert result.exceptions_count == 1
    assert result.outputs["handler_output"] == "handled: ConnectionError: tool backend down"
    t = finished(events, "t")[0]
    assert t["status"] == "exception" and t["outputs"]["error_type"] == "NodeRunError"
    assert not finished(events, "ok")


async def test_fail_branch_node_success_takes_success_edge() -> None:
    g = graph(
        [
            START,
            tool("t", error_strategy="fail-branch"),
            tool("ok"),
            tool("handler"),
            end(("ok", "text")),
        ],
        [
            edge("s", "t"),
            edge("t", "ok", "success-branch"),
            edge("t", "handler", "fail-branch"),
            edge("ok", "e"),
            edge("handler", "e"),
        ],
    )
    events, result = await run_graph(g, services=Services(tools=FakeTools()))
    assert result.status == "succeeded"
    assert finished(events, "ok") and not finished(events, "handler")


async def test_default_value_strategy_continues_with_defaults() -> None:
    defaults = [
        {"key": "text", "type": "string", "value": "fallback"},
        {"key": "json", "type": "array[object]", "value": []},
    ]
    g = graph(
        [
            START,
            tool("t", error_strategy="default-value", default_value=defaults),
            end(("t", "text"), ("t", "error_message")),
        ]
    )
    events, result = await run_graph(g, services=Services(tools=FakeTools(failures=1)))
    assert result.status == "partial-succeeded"
    assert result.outputs["t_text"] == "fallback"
    assert "tool backend down" in result.outputs["t_error_message"]


async def test_retries_then_succeeds_emitting_retry_events() -> None:
    retry = {"retry_enabled": True, "max_retries": 3, "retry_interval": 1}
    tools = FakeTools(failures=2)
    g = graph([START, tool("t", retry_config=retry), end(("t", "text"))])
    events, result = await run_graph(g, services=Services(tools=tools))
    assert result.status == "succeeded"
    retries = [e.data() for e in events if e.name == "node_retry"]
    assert [r["retry_index"] for r in retries] == [1, 2]
    assert len(tools.requests) == 3


async def test_retries_exhausted_fail_the_node() -> None:
    retry = {"retry_enabled": True, "max_retries": 1, "retry_interval": 1}
    tools = FakeTools(failures=5)
    g = graph([START, tool("t", retry_config=retry), end()])
    _, result = await run_graph(g, services=Services(tools=tools))
    assert result.status == "failed" and len(tools.requests) == 2


async def test_node_timeout_fails_node() -> None:
    g = graph([START, tool("t", timeout=0.05), end()])
    _, result = await run_graph(g, services=Services(tools=FakeTools(block=asyncio.Event())))
    assert result.status == "failed" and "timed out" in (result.error or "")


async def test_stop_cancels_running_nodes_and_ends_stopped() -> None:
    tools = FakeTools(block=asyncio.Event())
    g = graph([START, tool("t"), end()])
    run = WorkflowEngine(services=Services(tools=tools)).start(g)
    events = []
    async for event in run.events():
        events.append(event)
        if event.name == "node_started" and event.data()["node_id"] == "t":
            run.stop()
    assert run.result_value is not None and run.result_value.status == "stopped"
    assert finished(events, "t")[0]["status"] == "stopped"
    assert events[-1].data()["status"] == "stopped"


async def test_stop_signal_from_another_replica_is_polled() -> None:
    class Signal:
        def __init__(self) -> None:
            self.polls = 0

        async def is_set(self) -> bool:
            self.polls += 1
            return self.polls > 2

    signal = Signal()
    g = graph([START, tool("t"), end()])
    engine = WorkflowEngine(
        services=Services(tools=FakeTools(block=asyncio.Event())),
        limits=EngineLimits(stop_poll_interval=0.01),
    )
    result = await asyncio.wait_for(engine.start(g, stop_signal=signal).result(), 5)
    assert result.status == "stopped" and signal.polls >= 3


async def test_max_execution_time_fails_run() -> None:
    g = graph([START, tool("t"), end()])
    engine = WorkflowEngine(
        services=Services(tools=FakeTools(block=asyncio.Event())),
        limits=EngineLimits(max_execution_time=0.05),
    )
    result = await engine.start(g).result()
    assert result.status == "failed" and "Max execution time" in (result.error or "")


async def test_runaway_loop_hits_step_limit_even_with_error_strategy() -> None:
    g = graph(
        [
            START,
            node(
                "loop",
                "loop",
                loop_count=100000,
                start_node_id="ls",
                error_strategy="default-value",
                loop_variables=[
                    {"label": "n", "var_type": "number", "value_type": "constant", "value": "0"}
                ],
            ),
            {**node("ls", "loop-start"), "parentId": "loop"},
            {
                **node(
                    "inc",
                    "assigner",
                    version="2",
                    items=[
                        {
                            "variable_selector": ["loop", "n"],
                            "input_type": "constant",
                            "operation": "+=",
                            "value": 1,
                        }
                    ],
                ),
                "parentId": "loop",
            },
            end(("loop", "n")),
        ],
        [edge("s", "loop"), edge("ls", "inc"), edge("loop", "e")],
    )
    _, result = await run_graph(g, limits=EngineLimits(max_steps=50))
    assert result.status == "failed"
    assert result.error is not None and "Max steps 50 reached" in result.error
    assert result.total_steps == 50


async def test_call_depth_limit_refuses_to_start() -> None:
    engine = WorkflowEngine(limits=EngineLimits(max_call_depth=2))
    with pytest.raises(ExecutionLimitError):
        engine.start(graph([START, end()]), run=RunInfo("r", call_depth=3))


async def test_unsupported_node_types_refuse_to_run_naming_them() -> None:
    g = graph([START, node("h", "human-input"), node("d", "datasource"), end()])
    with pytest.raises(UnsupportedNodesError) as info:
        WorkflowEngine().start(g)
    assert info.value.node_types == ["datasource", "human-input"]
    assert "human-input" in info.value.message


async def test_graph_with_cycle_refuses_to_run() -> None:
    g = graph([START, tool("a"), tool("b")], [edge("s", "a"), edge("a", "b"), edge("b", "a")])
    with pytest.raises(GraphError, match="cycle"):
        WorkflowEngine().start(g)


async def test_answer_streams_llm_tokens_before_the_llm_finishes() -> None:
    gate = asyncio.Event()
    chat = FakeChat(answers=["one two three"], gate=gate)
    g = graph(
        [
            START,
            node(
                "llm",
                "llm",
                model={"provider": "p", "name": "m"},
                prompt_template=[{"role": "user", "text": "hi"}],
            ),
            node("a", "answer", answer="Q: {{#llm.text#}} (done)"),
        ]
    )
    run = WorkflowEngine(services=Services(chat=chat)).start(
        g, run=RunInfo("r", mode="advanced-chat")
    )
    chunks: list[str] = []
    async for event in run.events():
        if event.name == "text_chunk":
            chunks.append(event.data()["text"])
            if event.data()["text"] == "one":
                assert not gate.is_set()  # streamed while the LLM is still running
                gate.set()
    assert "".join(chunks) == "Q: one two three (done)"
    assert run.result_value is not None
    assert run.result_value.answer == "Q: one two three (done)"
    assert run.result_value.outputs == {"answer": "Q: one two three (done)"}


async def test_answers_stream_in_graph_order_and_skipped_answer_is_dropped() -> None:
    cases = [
        {
            "case_id": "yes",
            "conditions": [
                {"variable_selector": ["s", "x"], "comparison_operator": "=", "value": "1"}
            ],
        }
    ]
    g = graph(
        [
            START,
            node("a1", "answer", answer="first."),
            node("if", "if-else", cases=cases),
            node("a2", "answer", answer="yes."),
            node("a3", "answer", answer="no."),
        ],
        [edge("s", "a1"), edge("a1", "if"), edge("if", "a2", "yes"), edge("if", "a3", "false")],
    )
    events, result = await run_graph(g, inputs={"x": 2}, mode="advanced-chat")
    assert [e.data()["text"] for e in events if e.name == "text_chunk"] == ["first.", "no."]
    assert {
        (e.response_node_id, e.response_node_type)
        for e in events  # type: ignore[attr-defined]
        if e.name == "text_chunk"
    } == {("a1", "answer"), ("a3", "answer")}
    assert result.answer == "first.no."


async def test_secret_environment_values_are_masked_in_errors() -> None:
    g = graph([START, node("h", "http-request", method="get", url="{{#env.TOKEN#}}"), end()])
    secret = [EnvironmentVariable("TOKEN", "s3cr3t", "secret")]
    events, result = await run_graph(g, services=Services(http=FakeHttp()), environment=secret)
    assert result.status == "failed"
    assert "s3cr3t" not in (result.error or "") and "[__HIDDEN__]" in (result.error or "")
    assert "s3cr3t" not in str(finished(events, "h")[0])


async def test_token_usage_is_summed_into_the_run() -> None:
    chat = FakeChat(answers=["a b", "c d e"])
    llm = {
        "model": {"provider": "p", "name": "m"},
        "prompt_template": [{"role": "user", "text": "x"}],
    }
    g = graph([START, node("l1", "llm", **llm), node("l2", "llm", **llm), end()])
    events, result = await run_graph(g, services=Services(chat=chat))
    assert result.usage.total_tokens == (10 + 2) + (10 + 3)
    assert events[-1].data()["total_tokens"] == 25
    assert finished(events, "l1")[0]["execution_metadata"]["total_tokens"] == 12


async def test_chat_only_system_variables_exist_only_in_advanced_chat() -> None:
    g = graph([START, node("a", "answer", answer="[{{#sys.query#}}|{{#sys.user_id#}}]")])
    system = {"query": "hello", "conversation_id": "c", "dialogue_count": 1}
    _, chat = await run_graph(g, system=system, mode="advanced-chat")
    _, flow = await run_graph(g, system=system, mode="workflow")
    assert chat.answer == "[hello|user-1]" and flow.answer == "[|user-1]"


async def test_single_node_debug_run_reads_seeded_variables() -> None:
    g = graph(
        [
            START,
            node(
                "t",
                "template-transform",
                template="{{ a }}-{{ b }}",
                variables=[
                    {"variable": "a", "value_selector": ["x", "v"]},
                    {"variable": "b", "value_selector": ["sys", "query"]},
                ],
            ),
            end(),
        ]
    )
    engine = WorkflowEngine()
    run = engine.start_single_node(
        g, "t", variables={"x.v": "one", "sys.query": "two"}, run=RunInfo("r", mode="advanced-chat")
    )
    events = [e async for e in run.events()]
    assert finished(events, "t")[0]["outputs"] == {"output": "one-two"}
    assert [e.data()["node_id"] for e in events if e.name == "node_started"] == ["t"]
    with pytest.raises(GraphError):
        engine.start_single_node(g, "missing")
    with pytest.raises(GraphError):
        engine.start_single_node(g, "t", variables={"novalue": 1})


async def test_output_over_max_variable_size_fails_the_node_cleanly() -> None:
    g = graph([START, tool("t"), end(("t", "text"))])
    limits = EngineLimits(max_variable_size=8)  # fits sys values, not the tool text
    _, result = await asyncio.wait_for(
        run_graph(g, services=Services(tools=FakeTools()), limits=limits), 5
    )
    assert result.status == "failed" and "MAX_VARIABLE_SIZE" in (result.error or "")
    defaults = [{"key": "text", "type": "string", "value": "x"}]
    g = graph(
        [
            START,
            tool("t", error_strategy="default-value", default_value=defaults),
            end(("t", "text")),
        ]
    )
    _, result = await run_graph(g, services=Services(tools=FakeTools()), limits=limits)
    assert result.status == "partial-succeeded" and result.outputs == {"t_text": "x"}


async def test_consumer_leaving_early_cancels_the_run() -> None:
    cancelled = asyncio.Event()

    class Tools(FakeTools):
        async def invoke(self, request):  # type: ignore[no-untyped-def]
            try:
                await asyncio.Event().wait()
            finally:
                cancelled.set()

    run = WorkflowEngine(services=Services(tools=Tools())).start(graph([START, tool("t"), end()]))
    stream = run.events()
    async for event in stream:
        if event.name == "node_started" and event.data()["node_id"] == "t":
            break
    await stream.aclose()
    assert cancelled.is_set()


async def test_very_long_graphs_do_not_overflow_the_stack() -> None:
    length = 3000
    cases = [
        {
            "case_id": "never",
            "conditions": [
                {"variable_selector": ["s", "x"], "comparison_operator": "=", "value": "-1"}
            ],
        }
    ]
    chain = [node(f"n{i}", "variable-aggregator", variables=[["s", "x"]]) for i in range(length)]
    nodes = [
        START,
        node("if", "if-else", cases=cases),
        *chain,
        node("a", "answer", answer="{{#n0.output#}}"),
        end(),
    ]
    edges = [edge("s", "if"), edge("if", "n0", "never"), edge("if", "e", "false")]
    edges += [edge(f"n{i}", f"n{i + 1}") for i in range(length - 1)]
    edges += [edge(f"n{length - 1}", "a"), edge("a", "e")]
    g = graph(nodes, edges)
    assert g.errors == []
    _, result = await run_graph(g, inputs={"x": 1}, limits=EngineLimits(max_steps=10000))
    assert result.status == "succeeded" and result.total_steps == 3
    loop = [START, *chain, end()]
    cyclic = graph(
        loop,
        [
            edge("s", "n0"),
            *[edge(f"n{i}", f"n{i + 1}") for i in range(length - 1)],
            edge(f"n{length - 1}", "n0"),
        ],
    )
    assert any("cycle" in e for e in cyclic.errors)


async def test_workflow_as_tool_recursion_stops_at_call_depth() -> None:
    """A tool runtime that runs a workflow which calls the same tool: depth grows each level."""
    from yarrow.workflow.errors import NodeRunError
    from yarrow.workflow.ports import ToolRequest, ToolResult

    g = graph([START, tool("t"), end(("t", "text"))])
    depths: list[int] = []

    class WorkflowTool:
        async def invoke(self, request: ToolRequest) -> ToolResult:
            depths.append(request.call_depth)
            nested = engine.start(g, run=RunInfo("nested", call_depth=request.call_depth + 1))
            result = await nested.result()
            if result.status != "succeeded":
                raise NodeRunError(f"nested workflow failed: {result.error}")
            return ToolResult(text=str(result.outputs))

    engine = WorkflowEngine(
        services=Services(tools=WorkflowTool()), limits=EngineLimits(max_call_depth=3)
    )
    result = await engine.start(g).result()
    assert depths == [0, 1, 2, 3]
    assert result.status == "failed" and "Max workflow call depth 3" in (result.error or "")


async def test_max_parallel_nodes_caps_concurrent_work() -> None:
    active, peak = [0], [0]

    class Tools(FakeTools):
        async def invoke(self, request):  # type: ignore[no-untyped-def]
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            await asyncio.sleep(0.01)
            active[0] -= 1
            return await super().invoke(request)

    branches = [tool(f"t{i}") for i in range(6)]
    g = graph(
        [START, *branches, end()],
        [*(edge("s", f"t{i}") for i in range(6)), *(edge(f"t{i}", "e") for i in range(6))],
    )
    _, result = await run_graph(
        g, services=Services(tools=Tools()), limits=EngineLimits(max_parallel_nodes=2)
    )
    assert result.status == "succeeded" and peak[0] == 2
    peak[0] = 0
    _, result = await run_graph(g, services=Services(tools=Tools()))
    assert peak[0] == 6


async def test_join_after_multi_way_branch_runs_exactly_once() -> None:
    def case(case_id: str, value: str) -> dict[str, object]:
        return {
            "case_id": case_id,
            "conditions": [
                {"variable_selector": ["s", "x"], "comparison_operator": "=", "value": value}
            ],
        }

    g = graph(
        [
            START,
            node("if", "if-else", cases=[case("c1", "1"), case("c2", "2")]),
            tool("b1"),
            tool("b2"),
            tool("b3"),
            node(
                "j",
                "variable-aggregator",
                variables=[["b1", "text"], ["b2", "text"], ["b3", "text"]],
            ),
            end(("j", "output")),
        ],
        [
            edge("s", "if"),
            edge("if", "b1", "c1"),
            edge("if", "b2", "c2"),
            edge("if", "b3", "false"),
            edge("b1", "j"),
            edge("b2", "j"),
            edge("b3", "j"),
            edge("b3", "j", "source"),
            {"id": "dup", "source": "b3", "target": "j"},
            edge("j", "e"),
        ],
    )
    for x, taken in [(1, "b1"), (2, "b2"), (3, "b3")]:
        events, result = await run_graph(g, services=Services(tools=FakeTools()), inputs={"x": x})
        assert result.status == "succeeded"
        assert len(finished(events, "j")) == 1 and len(finished(events, "e")) == 1
        assert result.outputs["j_output"].startswith(taken)
