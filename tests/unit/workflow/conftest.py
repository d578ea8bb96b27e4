"""Fixtures and in-test fakes of the workflow Protocols (our own interfaces, not third parties)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from yarrow.workflow import EngineLimits, Graph, RunInfo, WorkflowEngine, WorkflowServices
from yarrow.workflow.engine import RunResult
from yarrow.workflow.events import TokenUsage, WorkflowEvent
from yarrow.workflow.ports import (
    AgentRequest,
    AgentResult,
    ChatChunk,
    ChatMessage,
    ChatRequest,
    HttpRequest,
    HttpResponse,
    RetrievalRequest,
    ToolRequest,
    ToolResult,
)


def node(node_id: str, type_: str, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": "custom", "data": {"type": type_, "title": node_id, **data}}


def edge(source: str, target: str, handle: str = "source") -> dict[str, Any]:
    return {
        "id": f"{source}-{handle}-{target}",
        "source": source,
        "target": target,
        "sourceHandle": handle,
    }


def graph(nodes: list[dict[str, Any]], edges: list[dict[str, Any]] | None = None) -> Graph:
    """Nodes chained in order unless ``edges`` is given."""
    if edges is None:
        edges = [edge(a["id"], b["id"]) for a, b in zip(nodes, nodes[1:], strict=False)]
    return Graph.parse({"nodes": nodes, "edges": edges})


async def run_graph(
    g: Graph,
    *,
    services: WorkflowServices | None = None,
    inputs: Mapping[str, Any] | None = None,
    limits: EngineLimits | None = None,
    mode: str = "workflow",
    **kwargs: Any,
) -> tuple[list[WorkflowEvent], RunResult]:
    engine = WorkflowEngine(services=services, limits=limits)
    run = engine.start(
        g, inputs=inputs, run=RunInfo("run-1", "wf-1", "app-1", "user-1", mode), **kwargs
    )
    events = [event async for event in run.events()]
    assert run.result_value is not None
    return events, run.result_value


def names(events: list[WorkflowEvent]) -> list[str]:
    return [e.name for e in events]


def finished(events: list[WorkflowEvent], node_id: str) -> list[dict[str, Any]]:
    return [
        e.data() for e in events if e.name == "node_finished" and e.data()["node_id"] == node_id
    ]


@dataclass
class FakeChat:
    """Answers with scripted texts, recording requests; ``gate`` pauses after the first chunk."""

    answers: list[str] = field(default_factory=lambda: ["hello world"])
    tool_arguments: str | None = None
    requests: list[ChatRequest] = field(default_factory=list)
    gate: asyncio.Event | None = None

    async def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        self.requests.append(request)
        text = self.answers[min(len(self.requests), len(self.answers)) - 1]
        words = text.split(" ")
        for index, word in enumerate(words):
            yield ChatChunk(delta=word if index == 0 else " " + word)
            if index == 0 and self.gate is not None:
                await self.gate.wait()
        calls = []
        if self.tool_arguments is not None:
            from yarrow.workflow.ports import ToolCall

            calls = [ToolCall("extract_parameters", self.tool_arguments)]
        yield ChatChunk(tool_calls=calls, usage=TokenUsage(10, len(words)))


@dataclass
class FakeMemory:
    turns: list[ChatMessage] = field(default_factory=list)
    calls: list[tuple[str, int | None]] = field(default_factory=list)

    async def history(self, conversation_id: str, window: int | None) -> list[ChatMessage]:
        self.calls.append((conversation_id, window))
        return self.turns[-window:] if window else list(self.turns)


@dataclass
class FakeHttp:
    status: int = 200
    body: bytes = b'{"ok": true}'
    requests: list[HttpRequest] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})

    async def send(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        return HttpResponse(self.status, self.headers, self.body)


@dataclass
class FakeTools:
    """Fails ``failures`` times first; ``barrier`` makes calls wait for each other."""

    failures: int = 0
    requests: list[ToolRequest] = field(default_factory=list)
    barrier: asyncio.Barrier | None = None
    block: asyncio.Event | None = None

    async def invoke(self, request: ToolRequest) -> ToolResult:
        self.requests.append(request)
        if self.barrier is not None:
            await self.barrier.wait()
        if self.block is not None:
            await self.block.wait()
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("tool backend down")
        return ToolResult(
            text=f"{request.tool_name}:{json.dumps(dict(request.parameters))}", json=[{"n": 1}]
        )


@dataclass
class FakeKnowledge:
    requests: list[RetrievalRequest] = field(default_factory=list)
    fail: bool = False

    async def retrieve(self, request: RetrievalRequest) -> list[dict[str, Any]]:
        self.requests.append(request)
        if self.fail:
            from yarrow.errors import UpstreamUnavailable

            raise UpstreamUnavailable("vector store down")
        return [{"metadata": {"score": 0.9}, "title": "doc", "content": "Paris is in France."}]


@dataclass
class FakeAgents:
    requests: list[AgentRequest] = field(default_factory=list)

    async def run(self, request: AgentRequest) -> AgentResult:
        self.requests.append(request)
        return AgentResult(text="agent says hi", usage=TokenUsage(3, 4))


@dataclass
class FakeFiles:
    async def read_bytes(self, file: Mapping[str, Any]) -> bytes:
        return f"bytes of {file['filename']}".encode()

    async def extract_text(self, file: Mapping[str, Any]) -> str:
        return f"text of {file['filename']}"


class SubprocessCodeExecutor:
    """Runs the runner script with the local python3/node, as the sandbox would (no isolation)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def execute(self, language: str, code: str, *, preload: str = "") -> str:
        self.calls.append((language, code))
        program = [sys.executable, "-c", code] if language == "python3" else ["node", "-e", code]
        proc = await asyncio.create_subprocess_exec(
            *program, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        try:
            out, err = await proc.communicate()
        except asyncio.CancelledError:
            proc.kill()
            await proc.wait()
            raise
        if proc.returncode != 0:
            from yarrow.errors import InvalidInput

            raise InvalidInput(err.decode()[-500:])
        return out.decode()


def file_var(name: str, type_: str = "image", url: str | None = None) -> dict[str, Any]:
    return {
        "dify_model_identity": "__dify__file__",
        "type": type_,
        "filename": name,
        "extension": "." + name.rsplit(".", 1)[-1],
        "mime_type": "image/png",
        "transfer_method": "remote_url",
        "url": url or f"https://files.example/{name}",
        "size": 10,
    }


@pytest.fixture
def chat() -> FakeChat:
    return FakeChat()
