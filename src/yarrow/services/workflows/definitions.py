"""Workflow drafts, publishing, versions and restore, and the compiled graph of a version.

The stored content of a version is Dify's ``workflow`` DSL section: ``graph``, ``features``,
``environment_variables`` and ``conversation_variables``. Secret environment values never leave
through the console: they are replaced by :data:`SECRET_MASK`, and a save that sends the mask back
keeps the stored value. Published versions are immutable, so their compiled graphs are cached.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yarrow.db.models import App, Workflow
from yarrow.db.models.workflows import DRAFT_VERSION
from yarrow.errors import InvalidInput, NotFound
from yarrow.services.workflows.store import WorkflowStore
from yarrow.workflow import AppDsl, Graph, parse_dsl
from yarrow.workflow.dsl import CURRENT_DSL_VERSION, WORKFLOW_MODES
from yarrow.workflow.errors import DslError
from yarrow.workflow.nodes import builtin_node_types

SECRET_MASK = "[__HIDDEN__]"
_CACHE_SIZE = 256


@dataclass(frozen=True)
class Compiled:
    """A version ready to run: its row, parsed DSL and graph (shared between runs)."""

    workflow_id: str
    version: str
    dsl: AppDsl
    graph: Graph

    @property
    def start_form(self) -> list[Mapping[str, Any]]:
        """The start node's input form (``variables``)."""
        start = self.graph.nodes.get(self.graph.root_id)
        form = start.data.get("variables") if start is not None else None
        return [f for f in form or [] if isinstance(f, Mapping)]


def content_of(workflow: Mapping[str, Any]) -> dict[str, Any]:
    """The stored sections of a DSL ``workflow`` mapping (missing ones filled in)."""
    graph = workflow.get("graph")
    if not isinstance(graph, Mapping):
        raise InvalidInput("A workflow needs a 'graph' mapping.", params="graph")
    return {
        "graph": dict(graph),
        "features": dict(workflow.get("features") or {}),
        "environment_variables": list(workflow.get("environment_variables") or []),
        "conversation_variables": list(workflow.get("conversation_variables") or []),
    }


def compile_content(
    mode: str, name: str, content: Mapping[str, Any], workflow_id: str = "", version: str = ""
) -> Compiled:
    """Parse stored content as a DSL document; ``InvalidInput`` when it is not runnable."""
    raw = {
        "version": CURRENT_DSL_VERSION,
        "kind": "app",
        "app": {"mode": mode, "name": name},
        "workflow": dict(content),
    }
    try:
        dsl = parse_dsl(json.dumps(raw, ensure_ascii=False))
        graph = dsl.graph()
    except DslError as exc:
        raise InvalidInput(f"Invalid workflow: {exc.message}", code="invalid_workflow") from exc
    return Compiled(workflow_id, version, dsl, graph)


def masked(content: Mapping[str, Any]) -> dict[str, Any]:
    """Content with secret environment values replaced by the mask."""
    out = dict(content)
    out["environment_variables"] = [
        {**item, "value": SECRET_MASK} if item.get("value_type") == "secret" else item
        for item in content.get("environment_variables") or []
        if isinstance(item, Mapping)
    ]
    return out


def _unmask(content: dict[str, Any], previous: Mapping[str, Any] | None) -> dict[str, Any]:
    old = {
        str(item.get("id") or item.get("name")): item.get("value")
        for item in (previous or {}).get("environment_variables") or []
        if isinstance(item, Mapping)
    }
    env = []
    for item in content["environment_variables"]:
        if isinstance(item, Mapping) and item.get("value") == SECRET_MASK:
            key = str(item.get("id") or item.get("name"))
            item = {**item, "value": old.get(key, "")}
        env.append(item)
    content["environment_variables"] = env
    return content


class WorkflowDefinitions:
    """Draft editing, publishing and version history of workflow and chatflow apps."""

    def __init__(self, store: WorkflowStore) -> None:
        self.store = store
        self._cache: OrderedDict[str, Compiled] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def check_app(app: App) -> None:
        """Refuse apps that have no workflow (chat, completion, agent-chat)."""
        if app.mode not in WORKFLOW_MODES:
            raise InvalidInput(
                "Please check if your app mode matches the right API route.",
                code="not_workflow_app",
            )

    def draft(self, app: App) -> Workflow:
        """The app's draft, or 404 ``draft_workflow_not_exist``."""
        self.check_app(app)
        row = self.store.draft(app.id)
        if row is None:
            raise NotFound("Workflow draft not found.", code="draft_workflow_not_exist")
        return row

    def save_draft(
        self,
        app: App,
        workflow: Mapping[str, Any],
        *,
        revision: int | None,
        account_id: str | None,
    ) -> Workflow:
        """Save the draft if ``revision`` is current (409 ``draft_workflow_not_sync`` if not)."""
        self.check_app(app)
        content = content_of(workflow)
        current = self.store.draft(app.id)
        content = _unmask(content, json.loads(current.graph) if current else None)
        compile_content(app.mode, app.name, {**content, "graph": {"nodes": [], "edges": []}})
        return self.store.save_draft(app, content, revision=revision, account_id=account_id)

    def publish(
        self, app: App, *, account_id: str | None, name: str = "", comment: str = ""
    ) -> Workflow:
        """Publish the draft as a new immutable version; an invalid graph is refused (400)."""
        draft = self.draft(app)
        graph = compile_content(app.mode, app.name, json.loads(draft.graph)).graph
        if graph.errors and not graph.unsupported_types(builtin_node_types()):
            raise InvalidInput(
                "Invalid workflow: " + "; ".join(graph.errors), code="invalid_workflow"
            )
        return self.store.publish(app.id, account_id=account_id, name=name, comment=comment)

    def restore(self, app: App, workflow_id: str, *, account_id: str | None) -> Workflow:
        """Copy a published version into the draft (whatever the draft's revision)."""
        self.check_app(app)
        version = self.store.version(app.id, workflow_id)
        if version.version == DRAFT_VERSION:
            raise InvalidInput("The draft cannot be restored onto itself.", code="invalid_param")
        current = self.store.draft(app.id)
        return self.store.save_draft(
            app,
            json.loads(version.graph),
            revision=current.revision if current else None,
            account_id=account_id,
        )

    def compiled(self, app: App, workflow_id: str | None = None) -> Compiled:
        """The newest published version (or ``workflow_id``) compiled; 400 if none is published."""
        self.check_app(app)
        if workflow_id is None:
            row = self.store.published(app.id)
            if row is None:
                raise InvalidInput(
                    "App unavailable, please check your app configurations: the workflow "
                    "is not published.",
                    code="app_unavailable",
                )
        else:
            row = self.store.version(app.id, workflow_id)
            if row.version == DRAFT_VERSION:
                raise NotFound("Workflow not found.", code="workflow_not_found")
        return self.compile_row(app, row)

    def compile_row(self, app: App, row: Workflow) -> Compiled:
        """Compile a row; published rows are cached by id (drafts change, so never)."""
        cacheable = row.version != DRAFT_VERSION
        if cacheable:
            with self._lock:
                hit = self._cache.get(row.id)
                if hit is not None:
                    self._cache.move_to_end(row.id)
                    return hit
        compiled = compile_content(app.mode, app.name, json.loads(row.graph), row.id, row.version)
        if cacheable:
            with self._lock:
                self._cache[row.id] = compiled
                while len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        return compiled

    async def compiled_async(self, app: App, workflow_id: str | None = None) -> Compiled:
        """:meth:`compiled` off the event loop."""
        return await asyncio.to_thread(self.compiled, app, workflow_id)


__all__ = ["SECRET_MASK", "Compiled", "WorkflowDefinitions", "compile_content", "masked"]
