"""Every event a run emits, wrapped in the SSE envelope, validates against Dify's OpenAPI schema."""

from __future__ import annotations

import copy
import functools
import json
import uuid
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from tests.unit.workflow.conftest import FakeChat, FakeTools, edge, node
from tests.unit.workflow.test_dsl import REPO
from yarrow.workflow import Graph, RunInfo, WorkflowEngine
from yarrow.workflow import WorkflowServices as Services

SPEC = REPO.parent / "shared" / "reference" / "dify-openapi" / "openapi_service.json"
pytestmark = pytest.mark.skipif(not SPEC.is_file(), reason=f"Dify OpenAPI spec not at {SPEC}")

SCHEMAS = {
    "workflow_started": "WorkflowStreamEventWorkflowStarted",
    "node_started": "WorkflowStreamEventNodeStarted",
    "node_finished": "WorkflowStreamEventNodeFinished",
    "node_retry": "WorkflowStreamEventNodeRetry",
    "iteration_started": "WorkflowStreamEventIterationStarted",
    "iteration_next": "WorkflowStreamEventIterationNext",
    "iteration_completed": "WorkflowStreamEventIterationCompleted",
    "loop_started": "WorkflowStreamEventLoopStarted",
    "loop_next": "WorkflowStreamEventLoopNext",
    "loop_completed": "WorkflowStreamEventLoopCompleted",
    "text_chunk": "StreamEventTextChunk",
    "reasoning_chunk": "StreamEventReasoningChunk",
    "workflow_finished": "WorkflowStreamEventWorkflowFinished",
}


def _nullable(schema: Any) -> Any:
    """OpenAPI 3.0 ``nullable`` -> JSON Schema ``type: [T, 'null']``."""
    if isinstance(schema, dict):
        schema = {k: _nullable(v) for k, v in schema.items()}
        if schema.pop("nullable", False) and "type" in schema:
            schema["type"] = [schema["type"], "null"]
        schema.pop("discriminator", None)
        return schema
    if isinstance(schema, list):
        return [_nullable(item) for item in schema]
    return schema


@functools.cache
def _spec() -> Any:
    return _nullable(json.loads(SPEC.read_text(encoding="utf-8")))


@functools.cache
def validator(name: str) -> Draft202012Validator:
    spec = _spec()
    root = {"components": copy.deepcopy(spec["components"]), "$ref": f"#/components/schemas/{name}"}
    return Draft202012Validator(root, format_checker=FormatChecker())


def sample_graph() -> Graph:
    loop_var = [{"label": "n", "var_type": "number", "value_type": "constant", "value": "0"}]
    nodes = [
        node("s", "start", variables=[]),
        node(
            "t",
            "tool",
            provider_id="p",
            tool_name="t",
            retry_config={"retry_enabled": True, "max_retries": 1, "retry_interval": 1},
        ),
        node(
            "llm",
            "llm",
            model={"provider": "p", "name": "m"},
            reasoning_format="separated",
            prompt_template=[{"role": "user", "text": "hi"}],
        ),
        node(
            "it",
            "iteration",
            iterator_selector=["s", "items"],
            output_selector=["it", "item"],
            start_node_id="is",
        ),
        {**node("is", "iteration-start"), "parentId": "it"},
        node("loop", "loop", loop_count=2, start_node_id="ls", loop_variables=loop_var),
        {**node("ls", "loop-start"), "parentId": "loop"},
        node("e", "end", outputs=[{"variable": "text", "value_selector": ["llm", "text"]}]),
    ]
    edges = [
        edge("s", "t"),
        edge("t", "llm"),
        edge("llm", "it"),
        edge("it", "loop"),
        edge("loop", "e"),
    ]
    return Graph.parse({"nodes": nodes, "edges": edges})


async def test_all_events_validate_against_dify_schemas() -> None:
    run_id = str(uuid.uuid4())
    chat = FakeChat(answers=["<think>hmm</think> hello world"])
    engine = WorkflowEngine(services=Services(tools=FakeTools(failures=1), chat=chat))
    run = engine.start(
        sample_graph(), inputs={"items": [1, 2]}, run=RunInfo(run_id, str(uuid.uuid4()))
    )
    seen: set[str] = set()
    async for event in run.events():
        envelope = {
            "event": event.name,
            "task_id": str(uuid.uuid4()),
            "workflow_run_id": run_id,
            "data": event.data(),
        }
        errors = list(validator(SCHEMAS[event.name]).iter_errors(envelope))
        assert errors == [], (event.name, [e.message for e in errors])
        seen.add(event.name)
    assert seen == set(SCHEMAS), set(SCHEMAS) - seen
