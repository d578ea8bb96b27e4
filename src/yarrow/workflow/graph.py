"""The graph model: nodes, edges, containers, and the checks made before a run.

Contract (Dify §5.2, §6.3): sticky notes (``custom-note``, or nodes without a ``data.type``) are
dropped. Children of an iteration or loop (``parentId``, or ``iteration_id``/``loop_id`` with
``isInIteration``/``isInLoop``) form that container's sub-graph, rooted at ``start_node_id``.
The root is the given id, else a ``start`` (or trigger/datasource) node without incoming edges,
else any node without incoming edges. Edges to unknown nodes are dropped with a warning (Dify
is lenient there); cycles, a missing root and a container without a body are errors, and a graph
with errors or unsupported node types refuses to run.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from yarrow.workflow.errors import GraphError, UnsupportedNodesError
from yarrow.workflow.variables import RESERVED_NODE_IDS

ROOT_TYPES = ("start", "trigger-webhook", "trigger-schedule", "trigger-plugin", "datasource")
CONTAINER_TYPES = frozenset({"iteration", "loop"})
BRANCH_TYPES = frozenset({"if-else", "question-classifier", "human-input"})
FAIL_BRANCH = "fail-branch"
SUCCESS_BRANCH = "success-branch"


@dataclass(frozen=True)
class NodeSpec:
    """One node as written in the DSL (``data`` kept verbatim)."""

    id: str
    type: str
    data: Mapping[str, Any]
    parent_id: str | None = None

    @property
    def title(self) -> str:
        return str(self.data.get("title") or self.type)

    @property
    def error_strategy(self) -> str | None:
        strategy = self.data.get("error_strategy")
        return str(strategy) if strategy in ("fail-branch", "default-value") else None

    @property
    def is_branch(self) -> bool:
        """Branch nodes choose which outgoing edges to take."""
        return self.type in BRANCH_TYPES or self.error_strategy == "fail-branch"


@dataclass(frozen=True)
class EdgeSpec:
    """A directed edge; ``source_handle`` selects it for branch nodes."""

    id: str
    source: str
    target: str
    source_handle: str = "source"


@dataclass
class Graph:
    """One level of a workflow graph (the top level, or a container's body)."""

    nodes: dict[str, NodeSpec]
    edges: list[EdgeSpec]
    root_id: str
    all_nodes: dict[str, NodeSpec] = field(repr=False, default_factory=dict)
    all_edges: list[EdgeSpec] = field(repr=False, default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    out_edges: dict[str, list[EdgeSpec]] = field(init=False, repr=False)
    in_edges: dict[str, list[EdgeSpec]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.out_edges = {node_id: [] for node_id in self.nodes}
        self.in_edges = {node_id: [] for node_id in self.nodes}
        for edge in self.edges:
            self.out_edges[edge.source].append(edge)
            self.in_edges[edge.target].append(edge)

    # -- construction --------------------------------------------------------------------
    @classmethod
    def parse(cls, raw: Mapping[str, Any], root_id: str | None = None) -> Graph:
        """Build the top-level graph from a DSL ``graph`` mapping; never raises on content."""
        if not isinstance(raw, Mapping):
            raise GraphError("The workflow graph must be a mapping with nodes and edges.")
        warnings: list[str] = []
        all_nodes: dict[str, NodeSpec] = {}
        for item in raw.get("nodes") or []:
            spec = _node_spec(item, warnings)
            if spec is not None:
                if spec.id in all_nodes:
                    warnings.append(f"Duplicate node id {spec.id!r}; the later one is used.")
                all_nodes[spec.id] = spec
        all_edges: list[EdgeSpec] = []
        for item in raw.get("edges") or []:
            edge = _edge_spec(item)
            if edge is None or edge.source not in all_nodes or edge.target not in all_nodes:
                warnings.append(
                    f"Edge {dict(item) if isinstance(item, Mapping) else item!r} "
                    "refers to an unknown node and is ignored."
                )
                continue
            all_edges.append(edge)
        top = {k: v for k, v in all_nodes.items() if v.parent_id is None}
        graph = cls._level(top, all_nodes, all_edges, root_id, warnings)
        reserved = sorted(set(all_nodes) & RESERVED_NODE_IDS)
        if reserved:  # their outputs would overwrite sys/env/conversation variables
            graph.errors.append(f"Node ids {reserved} are reserved for variables.")
        for node in all_nodes.values():
            if node.type in CONTAINER_TYPES:
                graph.errors.extend(graph.subgraph(node.id).errors)
        return graph

    @classmethod
    def _level(
        cls,
        nodes: dict[str, NodeSpec],
        all_nodes: dict[str, NodeSpec],
        all_edges: list[EdgeSpec],
        root_id: str | None,
        warnings: list[str],
    ) -> Graph:
        edges = [e for e in all_edges if e.source in nodes and e.target in nodes]
        errors: list[str] = []
        root = root_id if root_id in nodes else _find_root(nodes, edges)
        if root is None:
            errors.append("The graph has no start node.")
        graph = cls(nodes, edges, root or "", all_nodes, all_edges, errors, warnings)
        cycle = graph._find_cycle()
        if cycle:
            errors.append("The graph has a cycle through nodes " + " -> ".join(cycle) + ".")
        return graph

    def subgraph(self, container_id: str) -> Graph:
        """The body of an iteration or loop node, rooted at its ``start_node_id``."""
        container = self.all_nodes[container_id]
        children = {k: v for k, v in self.all_nodes.items() if v.parent_id == container_id}
        start = container.data.get("start_node_id")
        if start not in children:
            start = next((k for k, v in children.items() if v.type.endswith("-start")), None)
        graph = Graph._level(children, self.all_nodes, self.all_edges, start, [])
        if not children:
            graph.errors[:] = [f"Container {container_id} ({container.title}) has no body."]
        return graph

    # -- queries -------------------------------------------------------------------------
    def node_types(self) -> set[str]:
        return {node.type for node in self.all_nodes.values()}

    def unsupported_types(self, supported: Collection[str]) -> set[str]:
        return {t for t in self.node_types() if t not in supported}

    def unsupported_nodes(self, supported: Collection[str]) -> list[NodeSpec]:
        """The nodes (at any depth) whose type cannot run, for the editor to mark."""
        return [n for n in self.all_nodes.values() if n.type not in supported]

    def ensure_runnable(self, supported: Collection[str]) -> None:
        """Raise if the graph has errors or node types the engine cannot run."""
        unsupported = self.unsupported_types(supported)
        if unsupported:
            raise UnsupportedNodesError(unsupported)
        if self.errors:
            raise GraphError("; ".join(self.errors))

    def topological_order(self) -> list[str]:
        """Nodes of this level in a stable topological order (graph order for streaming)."""
        indegree = {k: len(v) for k, v in self.in_edges.items()}
        queue = [self.root_id] if self.root_id else []
        queue += [k for k, d in indegree.items() if d == 0 and k != self.root_id]
        order: list[str] = []
        while queue:
            node_id = queue.pop(0)
            order.append(node_id)
            for edge in self.out_edges[node_id]:
                indegree[edge.target] -= 1
                if indegree[edge.target] == 0:
                    queue.append(edge.target)
        return order

    def _find_cycle(self) -> list[str]:
        """A cycle as a node path, or []; iterative, so huge graphs cannot overflow the stack."""
        indegree = {k: len(v) for k, v in self.in_edges.items()}
        queue = [k for k, d in indegree.items() if d == 0]
        while queue:
            for edge in self.out_edges[queue.pop()]:
                indegree[edge.target] -= 1
                if indegree[edge.target] == 0:
                    queue.append(edge.target)
        remaining = {k for k, d in indegree.items() if d > 0}
        if not remaining:
            return []
        # Every remaining node has a remaining predecessor: walk back until a node repeats.
        node = min(remaining)
        position: dict[str, int] = {}
        path: list[str] = []
        while node not in position:
            position[node] = len(path)
            path.append(node)
            node = next(e.source for e in self.in_edges[node] if e.source in remaining)
        cycle = path[position[node] :]
        cycle.reverse()
        return [*cycle, cycle[0]]


def _node_spec(item: Any, warnings: list[str]) -> NodeSpec | None:
    if not isinstance(item, Mapping) or item.get("type") == "custom-note":
        return None
    data = item.get("data")
    if not isinstance(data, Mapping) or not data.get("type"):
        return None
    node_id = item.get("id")
    if node_id is None or str(node_id) == "":
        warnings.append(f"A {data.get('type')} node has no id and is ignored.")
        return None
    parent = item.get("parentId")
    if not parent and data.get("isInIteration"):
        parent = data.get("iteration_id")
    if not parent and data.get("isInLoop"):
        parent = data.get("loop_id")
    return NodeSpec(str(node_id), str(data["type"]), data, str(parent) if parent else None)


def _edge_spec(item: Any) -> EdgeSpec | None:
    if not isinstance(item, Mapping) or item.get("source") is None or item.get("target") is None:
        return None
    source, target = str(item["source"]), str(item["target"])
    handle = str(item.get("sourceHandle") or "source")
    return EdgeSpec(str(item.get("id") or f"{source}-{handle}-{target}"), source, target, handle)


def _find_root(nodes: Mapping[str, NodeSpec], edges: Sequence[EdgeSpec]) -> str | None:
    targets = {edge.target for edge in edges}
    candidates = [k for k in nodes if k not in targets]
    for root_type in ROOT_TYPES:
        for node_id in candidates:
            if nodes[node_id].type == root_type:
                return node_id
    for node_id in candidates:
        if nodes[node_id].type.endswith("-start"):
            return node_id
    return candidates[0] if candidates else None
