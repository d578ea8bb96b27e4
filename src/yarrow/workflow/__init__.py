"""Graph engine and nodes; knows nothing of HTTP, SQL or Celery.

Typical use::

    dsl = parse_dsl(yaml_text)
    engine = WorkflowEngine(services=WorkflowServices(chat=..., code=...))
    run = engine.start(dsl.graph(), inputs={...}, run=RunInfo(run_id, mode=dsl.mode),
                       environment=dsl.environment_variables)
    async for event in run.events():
        ...  # event.name, event.data() -> Dify SSE payloads
"""

from yarrow.workflow.dsl import AppDsl, check_version, export_dsl, parse_dsl
from yarrow.workflow.engine import EngineLimits, RunResult, WorkflowEngine, WorkflowRun
from yarrow.workflow.graph import Graph, NodeSpec
from yarrow.workflow.nodes.base import RunInfo
from yarrow.workflow.nodes.core import validate_start_inputs
from yarrow.workflow.ports import WorkflowServices
from yarrow.workflow.variables import EnvironmentVariable, VariablePool

__all__ = [
    "AppDsl",
    "EngineLimits",
    "EnvironmentVariable",
    "Graph",
    "NodeSpec",
    "RunInfo",
    "RunResult",
    "VariablePool",
    "WorkflowEngine",
    "WorkflowRun",
    "WorkflowServices",
    "check_version",
    "export_dsl",
    "parse_dsl",
    "validate_start_inputs",
]
