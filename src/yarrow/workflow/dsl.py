"""Dify app DSL (YAML, versions 0.1.0 to 0.6.0): parse, version check, export.

Lenient where Dify is lenient: a missing ``version`` is 0.1.0, unknown keys are kept, node data is
read leniently by the nodes themselves. Strict where safety needs it: only ``yaml.safe_load``
semantics, a size cap (10 MB, as Dify), a cap on the *expanded* document size so alias bombs
("billion laughs") are refused, the top level must be a mapping, ``version`` must be a string, and
``app.mode`` must be one of Dify's app modes. Exports never contain secret environment values
unless asked to.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from yarrow.workflow.errors import DslError
from yarrow.workflow.graph import Graph
from yarrow.workflow.variables import EnvironmentVariable

CURRENT_DSL_VERSION = "0.6.0"
MAX_DSL_BYTES = 10 * 1024 * 1024
MAX_EXPANDED_NODES = 1_000_000
APP_MODES = frozenset({"workflow", "advanced-chat", "chat", "agent-chat", "completion"})
WORKFLOW_MODES = frozenset({"workflow", "advanced-chat"})

ImportStatus = Literal["completed", "completed-with-warnings", "pending", "failed"]


@dataclass(frozen=True)
class ConversationVariable:
    """One ``conversation_variables[]`` entry (advanced-chat)."""

    name: str
    value_type: str
    value: Any
    description: str = ""
    id: str = ""


@dataclass
class AppDsl:
    """A parsed DSL document. ``raw`` keeps every key so export round-trips."""

    version: str
    kind: str
    name: str
    mode: str
    raw: dict[str, Any]
    environment_variables: list[EnvironmentVariable] = field(default_factory=list)
    conversation_variables: list[ConversationVariable] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def is_workflow(self) -> bool:
        return self.mode in WORKFLOW_MODES or self.kind == "rag_pipeline"

    @property
    def app(self) -> dict[str, Any]:
        return dict(self.raw.get("app") or {})

    @property
    def model_config(self) -> dict[str, Any] | None:
        value = self.raw.get("model_config")
        return dict(value) if isinstance(value, Mapping) else None

    @property
    def workflow(self) -> dict[str, Any]:
        value = self.raw.get("workflow")
        return dict(value) if isinstance(value, Mapping) else {}

    @property
    def graph_data(self) -> dict[str, Any]:
        value = self.workflow.get("graph")
        return dict(value) if isinstance(value, Mapping) else {"nodes": [], "edges": []}

    @property
    def features(self) -> dict[str, Any]:
        value = self.workflow.get("features")
        return dict(value) if isinstance(value, Mapping) else {}

    @property
    def dependencies(self) -> list[Any]:
        value = self.raw.get("dependencies")
        return list(value) if isinstance(value, list) else []

    @property
    def conversation_defaults(self) -> dict[str, Any]:
        return {v.name: v.value for v in self.conversation_variables}

    @property
    def conversation_types(self) -> dict[str, str]:
        return {v.name: v.value_type for v in self.conversation_variables}

    def graph(self) -> Graph:
        """The workflow graph (raises :class:`DslError` for easy-UI apps, which have none)."""
        if not self.is_workflow:
            raise DslError(f"A {self.mode} app has no workflow graph.")
        return Graph.parse(self.graph_data)


def check_version(version: str, current: str = CURRENT_DSL_VERSION) -> ImportStatus:
    """Dify's import status for a DSL version (§5.4 step 3)."""
    try:
        imported = _parse_version(version)
    except ValueError:
        return "failed"
    now = _parse_version(current)
    if imported > now:
        return "pending"
    if imported[0] < now[0]:
        return "pending"
    if imported[1] < now[1]:
        return "completed-with-warnings"
    return "completed"


def parse_dsl(content: str | bytes, *, max_bytes: int = MAX_DSL_BYTES) -> AppDsl:
    """Parse a DSL document; raise :class:`DslError` when it cannot be imported safely."""
    if len(content) > max_bytes:
        raise DslError(f"The DSL document is larger than {max_bytes} bytes.")
    data = _safe_load(content)
    if not isinstance(data, dict):
        raise DslError("The DSL document must be a YAML mapping.")
    version = data.setdefault("version", "0.1.0")
    if not isinstance(version, str):
        raise DslError("The DSL 'version' must be a string, e.g. '0.6.0'.")
    if check_version(version) == "failed":
        raise DslError(f"Invalid DSL version {version!r}.")
    kind = "rag_pipeline" if data.get("kind") == "rag_pipeline" else "app"
    data["kind"] = kind
    app = data.get("app")
    if kind == "rag_pipeline":
        app = app if isinstance(app, Mapping) else data.get("rag_pipeline") or {}
    if not isinstance(app, Mapping):
        raise DslError("The DSL is missing its 'app' section.")
    mode = str(app.get("mode") or ("workflow" if kind == "rag_pipeline" else ""))
    if mode not in APP_MODES:
        raise DslError(f"Invalid app mode {mode!r}; expected one of {sorted(APP_MODES)}.")
    dsl = AppDsl(version, kind, str(app.get("name") or ""), mode, data)
    workflow = data.get("workflow")
    if mode in WORKFLOW_MODES:
        if not isinstance(workflow, Mapping) or not isinstance(workflow.get("graph"), Mapping):
            raise DslError(f"A {mode} app needs a 'workflow.graph' section.")
        dsl.environment_variables = _environment(workflow.get("environment_variables"), dsl)
        dsl.conversation_variables = _conversation(workflow.get("conversation_variables"), dsl)
        dsl.warnings.extend(dsl.graph().warnings)
    if check_version(version) != "completed":
        dsl.warnings.append(f"DSL version {version} differs from {CURRENT_DSL_VERSION}.")
    return dsl


def export_dsl(dsl: AppDsl, *, include_secret: bool = False) -> str:
    """YAML of the app; secret environment values are blanked unless ``include_secret``."""
    return yaml.dump(
        export_dict(dsl, include_secret=include_secret), allow_unicode=True, sort_keys=False
    )


def export_dict(dsl: AppDsl, *, include_secret: bool = False) -> dict[str, Any]:
    data = copy.deepcopy(dsl.raw)
    data["version"] = CURRENT_DSL_VERSION
    workflow = data.get("workflow")
    if isinstance(workflow, dict) and not include_secret:
        for item in workflow.get("environment_variables") or []:
            if isinstance(item, dict) and item.get("value_type") == "secret":
                item["value"] = ""
    return data


def _safe_load(content: str | bytes) -> Any:
    try:
        loader = yaml.SafeLoader(content)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_expanded_size(node)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise DslError(f"The DSL is not valid YAML: {exc}") from exc
    except RecursionError as exc:
        raise DslError("The DSL is nested too deeply.") from exc


def _check_expanded_size(root: yaml.Node) -> None:
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        sizes[id(node)] = 1  # cycles count once
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        if total > MAX_EXPANDED_NODES:
            raise DslError("The DSL expands to too many values (YAML alias bomb?).")
        sizes[id(node)] = total
        return total

    size(root)


def _parse_version(version: str) -> tuple[int, ...]:
    parts = version.strip().split(".")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise ValueError(version)
    return tuple(int(p) for p in parts) + (0,) * (3 - len(parts))


def _environment(items: Any, dsl: AppDsl) -> list[EnvironmentVariable]:
    result = []
    for item in items or []:
        if not isinstance(item, Mapping) or not item.get("name"):
            dsl.warnings.append(f"Ignored an environment variable without a name: {item!r}")
            continue
        value_type = str(item.get("value_type") or "string")
        if value_type not in ("string", "number", "secret"):
            raise DslError(f"Environment variable {item['name']!r} has type {value_type!r}.")
        value = item.get("value", "")
        if value_type == "number" and isinstance(value, str):
            try:
                value = float(value) if "." in value else int(value)
            except ValueError as exc:
                raise DslError(f"Environment variable {item['name']!r} is not a number.") from exc
        result.append(
            EnvironmentVariable(
                str(item["name"]),
                value,
                value_type,
                str(item.get("description") or ""),
                str(item.get("id") or ""),
            )
        )
    return result


def _conversation(items: Any, dsl: AppDsl) -> list[ConversationVariable]:
    result = []
    for item in items or []:
        if not isinstance(item, Mapping) or not item.get("name"):
            dsl.warnings.append(f"Ignored a conversation variable without a name: {item!r}")
            continue
        result.append(
            ConversationVariable(
                str(item["name"]),
                str(item.get("value_type") or "string"),
                item.get("value"),
                str(item.get("description") or ""),
                str(item.get("id") or ""),
            )
        )
    return result
