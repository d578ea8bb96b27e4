"""Errors of the workflow engine; each subclasses a category of :mod:`yarrow.errors`."""

from __future__ import annotations

from collections.abc import Iterable

from yarrow.errors import InvalidInput, QuotaExceeded, YarrowError


class DslError(InvalidInput):
    """The DSL document cannot be read (not YAML, not a mapping, bad version, too large)."""

    code = "invalid_dsl"
    default_message = "Invalid DSL document."


class GraphError(InvalidInput):
    """The workflow graph is malformed (no root, cycle, bad container, ...)."""

    code = "invalid_graph"
    default_message = "Invalid workflow graph."


class UnsupportedNodesError(InvalidInput):
    """The graph contains node types this engine cannot run; ``node_types`` names them."""

    code = "unsupported_node_types"

    def __init__(self, node_types: Iterable[str]) -> None:
        self.node_types = sorted(set(node_types))
        super().__init__(
            "This workflow uses node types Yarrow does not support yet: "
            + ", ".join(self.node_types)
        )


class NodeRunError(YarrowError):
    """A node failed; ``error_type`` is what Dify reports as the node's ``error_type``."""

    code = "node_run_failed"
    status = 400
    default_message = "Node run failed."

    @property
    def error_type(self) -> str:
        return type(self).__name__


class NodeTimeoutError(NodeRunError):
    """A node exceeded its own timeout."""

    default_message = "Node run timed out."


class NodeConfigError(NodeRunError):
    """A node's configuration is invalid or a collaborator it needs was not provided."""

    default_message = "Invalid node configuration."


class OutputValidationError(NodeRunError):
    """A node produced outputs that break its declared types or limits (code node checks)."""

    default_message = "Node output failed validation."


class ExecutionLimitError(QuotaExceeded):
    """A run hit ``WORKFLOW_MAX_EXECUTION_STEPS``, ``..._TIME`` or the call depth limit."""

    code = "workflow_limit_exceeded"
    default_message = "Workflow execution limit exceeded."


__all__ = [
    "DslError",
    "ExecutionLimitError",
    "GraphError",
    "NodeConfigError",
    "NodeRunError",
    "NodeTimeoutError",
    "OutputValidationError",
    "UnsupportedNodesError",
]
