"""Events a run emits, carrying what Dify's SSE events need (``dify-api.md`` §3.3).

Each event has ``event`` (Dify's event name) and :meth:`data` (the SSE ``data`` object with Dify's
field names). The API layer adds the envelope (``task_id``, ``workflow_run_id``, ...); times are
Unix seconds, ``elapsed_time`` is seconds as a float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class TokenUsage:
    """Token counts of one model call or a whole run."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_price: float = 0.0
    currency: str = "USD"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.total_price + other.total_price,
            self.currency,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "total_price": str(self.total_price),
            "currency": self.currency,
        }


@dataclass
class WorkflowEvent:
    """Base of all events."""

    event: ClassVar[str] = ""

    @property
    def name(self) -> str:
        """Dify's event name (``iteration_next``, ``node_finished``, ...)."""
        return self.event

    def data(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass
class WorkflowStarted(WorkflowEvent):
    event: ClassVar[str] = "workflow_started"
    id: str
    workflow_id: str
    inputs: dict[str, Any]
    created_at: int

    def data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "workflow_id": self.workflow_id,
            "inputs": self.inputs,
            "created_at": self.created_at,
            "reason": "initial",
        }


@dataclass
class NodeEvent(WorkflowEvent):
    """Fields shared by node_started, node_finished and node_retry."""

    id: str
    node_id: str
    node_type: str
    title: str
    index: int
    predecessor_node_id: str | None
    inputs: dict[str, Any]
    created_at: int
    iteration_id: str | None = None
    loop_id: str | None = None

    def data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "node_id": self.node_id,
            "node_type": self.node_type,
            "title": self.title,
            "index": self.index,
            "predecessor_node_id": self.predecessor_node_id,
            "inputs": self.inputs,
            "inputs_truncated": False,
            "created_at": self.created_at,
            "extras": {},
            "iteration_id": self.iteration_id,
            "loop_id": self.loop_id,
        }


@dataclass
class NodeStarted(NodeEvent):
    event: ClassVar[str] = "node_started"


@dataclass
class NodeFinished(NodeEvent):
    """``status``: succeeded, failed, exception (handled by an error strategy) or stopped."""

    event: ClassVar[str] = "node_finished"
    status: str = "succeeded"
    outputs: dict[str, Any] | None = None
    process_data: dict[str, Any] | None = None
    error: str | None = None
    error_type: str | None = None
    elapsed_time: float = 0.0
    usage: TokenUsage | None = None
    finished_at: int = 0
    edge_source_handle: str | None = None
    retry_index: int = 0

    def data(self) -> dict[str, Any]:
        metadata: dict[str, Any] = {}
        if self.usage is not None:
            metadata = {
                "total_tokens": self.usage.total_tokens,
                "total_price": self.usage.total_price,
                "currency": self.usage.currency,
            }
        return {
            **super().data(),
            "process_data": self.process_data,
            "process_data_truncated": False,
            "outputs": self.outputs,
            "outputs_truncated": False,
            "status": self.status,
            "error": self.error,
            "elapsed_time": self.elapsed_time,
            "execution_metadata": metadata,
            "finished_at": self.finished_at,
            "files": [],
        }


@dataclass
class NodeRetry(NodeFinished):
    event: ClassVar[str] = "node_retry"

    def data(self) -> dict[str, Any]:
        return {**super().data(), "retry_index": self.retry_index}


@dataclass
class ContainerEvent(WorkflowEvent):
    """iteration_* and loop_* events; ``kind`` is 'iteration' or 'loop'."""

    kind: str
    phase: str  # started | next | completed
    id: str
    node_id: str
    node_type: str
    title: str
    created_at: int
    index: int = 0
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] | None = None
    status: str = "succeeded"
    error: str | None = None
    elapsed_time: float = 0.0
    total_tokens: int = 0
    steps: int = 0
    finished_at: int = 0

    @property
    def name(self) -> str:
        return f"{self.kind}_{self.phase}"

    def data(self) -> dict[str, Any]:
        base = {
            "id": self.id,
            "node_id": self.node_id,
            "node_type": self.node_type,
            "title": self.title,
            "created_at": self.created_at,
            "extras": {},
        }
        if self.phase == "started":
            return {**base, "inputs": self.inputs, "inputs_truncated": False, "metadata": {}}
        if self.phase == "next":
            pre = {"pre_loop_output": None} if self.kind == "loop" else {}
            return {**base, "index": self.index, **pre}
        return {
            **base,
            "inputs": self.inputs,
            "inputs_truncated": False,
            "outputs": self.outputs,
            "outputs_truncated": False,
            "status": self.status,
            "error": self.error,
            "elapsed_time": self.elapsed_time,
            "total_tokens": self.total_tokens,
            "execution_metadata": {"total_tokens": self.total_tokens},
            "finished_at": self.finished_at,
            "steps": self.steps,
        }


@dataclass
class TextChunk(WorkflowEvent):
    """Streamed answer/end text, from the answer or end node ``response_node_id``.

    In a chatflow the API turns chunks of ``answer`` nodes into ``message`` events.
    """

    event: ClassVar[str] = "text_chunk"
    text: str
    from_variable_selector: list[str] | None
    response_node_id: str
    response_node_type: str = "answer"

    def data(self) -> dict[str, Any]:
        return {"text": self.text, "from_variable_selector": self.from_variable_selector}


@dataclass
class ReasoningChunk(WorkflowEvent):
    """Separated reasoning of an llm node; ``is_final`` ends that node's reasoning."""

    event: ClassVar[str] = "reasoning_chunk"
    reasoning: str
    node_id: str
    is_final: bool = False

    def data(self) -> dict[str, Any]:
        return {
            "message_id": None,
            "reasoning": self.reasoning,
            "node_id": self.node_id,
            "is_final": self.is_final,
        }


@dataclass
class WorkflowFinished(WorkflowEvent):
    """``status``: succeeded, failed, stopped or partial-succeeded."""

    event: ClassVar[str] = "workflow_finished"
    id: str
    workflow_id: str
    status: str
    outputs: dict[str, Any]
    error: str | None
    elapsed_time: float
    total_tokens: int
    total_steps: int
    created_at: int
    finished_at: int
    exceptions_count: int
    answer: str = ""

    def data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "workflow_id": self.workflow_id,
            "status": self.status,
            "outputs": self.outputs,
            "error": self.error,
            "elapsed_time": self.elapsed_time,
            "total_tokens": self.total_tokens,
            "total_steps": self.total_steps,
            "created_by": {},
            "created_at": self.created_at,
            "finished_at": self.finished_at,
            "exceptions_count": self.exceptions_count,
            "files": [],
        }
