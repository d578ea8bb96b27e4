"""Every corpus workflow whose node types are all supported runs end to end with fakes.

The fakes answer every model call with the same text, so user code written for real model output
may legitimately fail (e.g. ``json.loads`` of a fake answer, a missing ``pandas``); such failures
must be inside a code node. Any other failure is an engine or node defect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.workflow.conftest import (
    FakeAgents,
    FakeChat,
    FakeFiles,
    FakeHttp,
    FakeKnowledge,
    FakeMemory,
    FakeTools,
    SubprocessCodeExecutor,
    file_var,
)
from tests.unit.workflow.test_dsl import CORPUS, corpus_files, needs_corpus
from yarrow.workflow import RunInfo, WorkflowEngine, WorkflowServices, parse_dsl
from yarrow.workflow.nodes import builtin_node_types

SUPPORTED = builtin_node_types()


def runnable(path: Path) -> bool:
    dsl = parse_dsl(path.read_bytes())
    return dsl.is_workflow and not dsl.graph().unsupported_types(SUPPORTED)


def sample_input(form: dict[str, Any]) -> Any:
    kind = form.get("type")
    if kind == "select":
        return (form.get("options") or ["x"])[0]
    if kind == "number":
        return 3
    if kind == "file":
        return file_var("a.pdf", "document")
    if kind == "file-list":
        return [file_var("a.png")]
    return "hello"


RUNNABLE = [p for p in corpus_files() if runnable(p)]
CONTENT = {p: p.read_bytes() for p in RUNNABLE}


async def run_file(path: Path) -> tuple[str, list[str], str]:
    """Run one corpus file with fakes; returns (status, failed node types, error)."""
    dsl = parse_dsl(CONTENT[path])
    graph = dsl.graph()
    start = graph.nodes[graph.root_id]
    inputs = {v["variable"]: sample_input(v) for v in start.data.get("variables") or []}
    services = WorkflowServices(
        chat=FakeChat(answers=['{"category_id": "1"} fake answer']),
        tools=FakeTools(),
        http=FakeHttp(),
        files=FakeFiles(),
        code=SubprocessCodeExecutor(),
        knowledge=FakeKnowledge(),
        agents=FakeAgents(),
        memory=FakeMemory(),
    )
    run = WorkflowEngine(services=services).start(
        graph,
        inputs=inputs,
        run=RunInfo("run", mode=dsl.mode),
        system={"query": "hello", "conversation_id": "c1", "dialogue_count": 0, "files": []},
        environment=dsl.environment_variables,
        conversation=dsl.conversation_defaults,
        conversation_types=dsl.conversation_types,
    )
    failed_types = []
    async for event in run.events():
        if event.name == "node_finished" and event.data()["status"] == "failed":
            failed_types.append(event.data()["node_type"])
    assert run.result_value is not None
    if dsl.mode == "advanced-chat" and run.result_value.status == "succeeded":
        assert run.result_value.answer or run.result_value.outputs
    return run.result_value.status, failed_types, run.result_value.error or ""


@needs_corpus
@pytest.mark.slow
@pytest.mark.parametrize("path", RUNNABLE, ids=lambda p: p.name)
async def test_supported_corpus_workflow_runs(path: Path) -> None:
    status, failed_types, error = await run_file(path)
    if status != "succeeded":
        assert status == "failed"
        assert failed_types and set(failed_types) <= {"code", "iteration"}, error
        assert "Traceback" in error or "JSON" in error, error


@needs_corpus
@pytest.mark.slow
async def test_most_corpus_workflows_run_to_completion() -> None:
    # 17 runnable files; 4 fail inside user code fed with fake model answers.
    assert len(RUNNABLE) == 17, CORPUS
    statuses = [(await run_file(path))[0] for path in RUNNABLE]
    assert statuses.count("succeeded") >= 13, statuses
