"""What every node is: a class with ``type``, built from a :class:`NodeSpec`, whose ``run`` reads
the pool through :class:`NodeContext` and returns a :class:`NodeResult`.

Nodes never write to the pool themselves (the engine stores ``outputs``), except assigners, which
mutate conversation and loop variables through ``ctx.pool``. Branch nodes set ``edge_handle``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar

from yarrow.workflow.errors import NodeConfigError
from yarrow.workflow.events import TokenUsage, WorkflowEvent
from yarrow.workflow.graph import Graph, NodeSpec
from yarrow.workflow.ports import WorkflowServices
from yarrow.workflow.variables import VariablePool


@dataclass
class NodeResult:
    outputs: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    process_data: dict[str, Any] | None = None
    edge_handle: str | None = None
    usage: TokenUsage | None = None


@dataclass(frozen=True)
class RunInfo:
    """Identity of the run, the source of most ``sys.*`` values."""

    run_id: str
    workflow_id: str = ""
    app_id: str = ""
    user_id: str = ""
    mode: str = "workflow"
    call_depth: int = 0


@dataclass
class BodyResult:
    """Outcome of one iteration item or loop round."""

    status: str  # succeeded | failed
    error: str | None = None
    loop_ended: bool = False
    usage: TokenUsage = field(default_factory=TokenUsage)


BodyRunner = Callable[[Graph, VariablePool, str, str], Awaitable[BodyResult]]


class NodeContext(Protocol):
    """What the engine gives a running node."""

    pool: VariablePool
    services: WorkflowServices
    run: RunInfo
    graph: Graph
    inputs: Mapping[str, Any]

    async def stream(self, variable: str, text: str) -> None:
        """Publish a chunk of this node's output ``variable`` (LLM tokens) for answers."""

    async def emit(self, event: WorkflowEvent) -> None:
        """Publish an event (iteration_*, loop_*) to the run's stream."""

    async def run_body(self, body: Graph, pool: VariablePool, kind: str) -> BodyResult:
        """Run a container body in ``pool``; ``kind`` is 'iteration' or 'loop'."""


class Node:
    """Base class; subclasses set ``type`` and implement :meth:`run`."""

    type: ClassVar[str] = ""
    #: whether Dify allows ``retry_config`` / ``error_strategy`` on this node type
    supports_retry: ClassVar[bool] = False
    supports_error_strategy: ClassVar[bool] = False

    def __init__(self, spec: NodeSpec) -> None:
        self.spec = spec
        self.data = spec.data

    async def run(self, ctx: NodeContext) -> NodeResult:
        raise NotImplementedError

    # -- small readers shared by nodes ---------------------------------------------------
    def selector(self, key: str, *, required: bool = True) -> list[str]:
        value = self.data.get(key)
        if isinstance(value, list | tuple) and len(value) >= 2:
            return [str(v) for v in value]
        if required:
            raise NodeConfigError(f"Node {self.spec.title!r} has no valid {key!r} selector.")
        return []

    def variables_inputs(self, pool: VariablePool, key: str = "variables") -> dict[str, Any]:
        """Read ``[{variable, value_selector}]`` into ``{variable: value}``."""
        inputs: dict[str, Any] = {}
        for item in self.data.get(key) or []:
            if isinstance(item, Mapping) and item.get("variable"):
                selector = item.get("value_selector") or []
                inputs[str(item["variable"])] = pool.get([str(s) for s in selector])
        return inputs


N = TypeVar("N", bound=type[Node])
NODE_TYPES: dict[str, type[Node]] = {}


def register(cls: N) -> N:
    """Class decorator adding a built-in node type to the registry."""
    NODE_TYPES[cls.type] = cls
    return cls


def service(value: Any, what: str, node: Node) -> Any:
    """Return a collaborator or fail the node naming what is missing."""
    if value is None:
        raise NodeConfigError(
            f"Node {node.spec.title!r} ({node.type}) needs a {what}, which is not configured."
        )
    return value


def as_selector(value: Any) -> list[str]:
    return (
        [str(v) for v in value]
        if isinstance(value, Sequence) and not isinstance(value, str)
        else []
    )
