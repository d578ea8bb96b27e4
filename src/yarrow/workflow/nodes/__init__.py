"""Built-in node types, looked up by Dify's ``data.type`` name.

Third-party node types register through the ``yarrow.workflow_nodes`` entry-point group (each
entry point names a :class:`~yarrow.workflow.nodes.base.Node` subclass); built-ins win on clashes.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from yarrow.workflow.nodes import classifier, code, containers, core, external, http, llm, transform
from yarrow.workflow.nodes.base import NODE_TYPES, Node

_MODULES = (classifier, code, containers, core, external, http, llm, transform)
ENTRY_POINT_GROUP = "yarrow.workflow_nodes"


def builtin_node_types() -> dict[str, type[Node]]:
    """Every built-in node type plus entry-point ones, by type name."""
    types: dict[str, type[Node]] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        loaded = entry.load()
        if isinstance(loaded, type) and issubclass(loaded, Node) and loaded.type:
            types[loaded.type] = loaded
    types.update(NODE_TYPES)
    return types


__all__ = ["ENTRY_POINT_GROUP", "NODE_TYPES", "Node", "builtin_node_types"]
