"""Import and export of Dify app DSL for every app mode.

Parsing (versions 0.1.0 to 0.6.0, size and alias-bomb limits) is ``yarrow.workflow.dsl``'s. This
module turns a document into an app plus its model config (easy-UI modes) or its workflow draft,
published at once so the app runs (workflow and advanced-chat), and back. Parts Yarrow does not
run yet are kept (so an export gives them back) and reported as warnings, never dropped
silently: a graph with unsupported node types imports, and its runs are refused naming them.
Exports blank secret environment values (unless asked) and encrypt knowledge dataset ids for the
workspace, as Dify does; imports decrypt them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from yarrow.db.models import App
from yarrow.errors import InvalidInput, NotFound
from yarrow.models import ModelRuntime
from yarrow.services.apps import AppDraft, AppService, AppWithSite
from yarrow.services.chat.app_config import AppConfig, parse_config
from yarrow.services.chat.store import ChatStore
from yarrow.services.permissions import Action, Actor
from yarrow.services.workflows.definitions import WorkflowDefinitions, content_of
from yarrow.workflow.dsl import CURRENT_DSL_VERSION, AppDsl, check_version, parse_dsl
from yarrow.workflow.dsl_transfer import export_for_tenant, import_for_tenant
from yarrow.workflow.errors import DslError
from yarrow.workflow.nodes import builtin_node_types

EASY_MODES = ("chat", "completion", "agent-chat")
WORKFLOW_APP_MODES = ("workflow", "advanced-chat")


@dataclass
class ImportResult:
    """Outcome of one import, in the shape of Dify's ``/apps/imports`` answer."""

    status: str
    app_id: str
    app_mode: str
    imported_dsl_version: str
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Dify-style body plus Yarrow's ``warnings``."""
        return {
            "status": self.status,
            "app_id": self.app_id,
            "app_mode": self.app_mode,
            "current_dsl_version": CURRENT_DSL_VERSION,
            "imported_dsl_version": self.imported_dsl_version,
            "error": "",
            "warnings": self.warnings,
        }


class AppDslService:
    """DSL import and export over the app and chat stores."""

    def __init__(
        self,
        apps: AppService,
        store: ChatStore,
        runtime: ModelRuntime,
        workflows: WorkflowDefinitions | None = None,
    ) -> None:
        self._apps = apps
        self._store = store
        self._runtime = runtime
        self._workflows = workflows

    def import_app(
        self, actor: Actor, content: str | bytes, *, name: str | None = None
    ) -> ImportResult:
        """Create an app from a DSL document.

        Raises:
            InvalidInput: the document is malformed, unsafe, of an unsupported version, or of a
                mode that cannot be imported yet (code ``invalid_dsl``).
        """
        actor.require(Action.EDIT_APPS)
        try:
            dsl = parse_dsl(content)
        except DslError as exc:
            raise InvalidInput(f"Invalid DSL: {exc}", code="invalid_dsl") from exc
        if check_version(dsl.version) == "pending":
            raise InvalidInput(
                f"DSL version {dsl.version} is not supported (this Yarrow reads "
                f"up to {CURRENT_DSL_VERSION}).",
                code="invalid_dsl",
            )
        if dsl.mode in WORKFLOW_APP_MODES:
            return self._import_workflow(actor, dsl, name)
        try:
            config = parse_config(dsl.model_config or {})
        except InvalidInput as exc:
            raise InvalidInput(f"Invalid model_config: {exc.message}", code="invalid_dsl") from exc
        created = self._create(actor, dsl, name)
        self._store.save_config(created.app.id, config, actor.account_id)
        warnings = dsl.warnings + self._unsupported(config)
        return ImportResult(
            "completed-with-warnings" if warnings else "completed",
            created.app.id,
            dsl.mode,
            dsl.version,
            warnings,
        )

    def _create(self, actor: Actor, dsl: AppDsl, name: str | None) -> AppWithSite:
        app_info = dsl.app
        return self._apps.create(
            actor,
            AppDraft(
                name=(name or dsl.name or "Imported app")[:255],
                mode=dsl.mode,
                description=str(app_info.get("description") or "")[:400],
                icon_type=str(app_info.get("icon_type") or "emoji"),
                icon=str(app_info.get("icon") or "🤖")[:255],
                icon_background=str(app_info.get("icon_background") or "#FFEAD5")[:16],
            ),
        )

    def _import_workflow(self, actor: Actor, dsl: AppDsl, name: str | None) -> ImportResult:
        """Create the app, save the graph as its draft and publish it (so it runs at once)."""
        if self._workflows is None:
            raise InvalidInput(f"{dsl.mode} apps cannot be imported here.", code="invalid_dsl")
        dsl = import_for_tenant(dsl, actor.tenant_id)
        try:
            content = content_of(dsl.workflow)
        except InvalidInput as exc:
            raise InvalidInput(f"Invalid DSL: {exc.message}", code="invalid_dsl") from exc
        created = self._create(actor, dsl, name)
        try:
            self._workflows.save_draft(
                created.app, content, revision=None, account_id=actor.account_id
            )
            self._workflows.publish(created.app, account_id=actor.account_id)
        except InvalidInput as exc:
            self._apps.delete(actor, created.app.id)
            raise InvalidInput(f"Invalid DSL: {exc.message}", code="invalid_dsl") from exc
        warnings = list(dsl.warnings)
        if dsl.kind == "rag_pipeline":
            warnings.append(
                "A knowledge pipeline (rag_pipeline) is kept as a workflow app until knowledge "
                "pipelines are supported."
            )
        missing = sorted(dsl.graph().unsupported_types(builtin_node_types()))
        if missing:
            warnings.append(
                "This app uses node types Yarrow does not support yet and will refuse to run "
                "until they are removed: " + ", ".join(missing) + "."
            )
        return ImportResult(
            "completed-with-warnings" if warnings else "completed",
            created.app.id,
            dsl.mode,
            dsl.version,
            warnings,
        )

    def export_app(self, actor: Actor, app_id: str, *, include_secret: bool = False) -> str:
        """The app as DSL YAML (current version); a workflow app exports its draft."""
        app = self._apps.get(actor, app_id).app
        if app.mode in WORKFLOW_APP_MODES and self._workflows is not None:
            return self._export_workflow(app, include_secret=include_secret)
        if app.mode not in EASY_MODES:
            raise InvalidInput(f"{app.mode} apps cannot be exported.", code="invalid_dsl")
        config = self._store.config(app.id).model_dump(mode="json")
        document = {
            "app": _app_section(app),
            "dependencies": [],
            "kind": "app",
            "model_config": config,
            "version": CURRENT_DSL_VERSION,
        }
        return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)

    def _export_workflow(self, app: App, *, include_secret: bool) -> str:
        assert self._workflows is not None
        row = self._workflows.store.draft(app.id) or self._workflows.store.published(app.id)
        if row is None:
            raise NotFound("Workflow draft not found.", code="draft_workflow_not_exist")
        document = {
            "app": _app_section(app),
            "dependencies": [],
            "kind": "app",
            "version": CURRENT_DSL_VERSION,
            "workflow": json.loads(row.graph),
        }
        dsl = AppDsl(CURRENT_DSL_VERSION, "app", app.name, app.mode, document)
        data = export_for_tenant(dsl, app.tenant_id, include_secret=include_secret)
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    def _unsupported(self, config: AppConfig) -> list[str]:
        warnings = []
        provider = config.model.provider
        if provider and provider not in self._runtime.provider_names():
            warnings.append(
                f"Model provider '{provider}' is not installed in Yarrow; choose a "
                "model for this app before running it."
            )
        tools = [t for t in config.agent_mode.get("tools") or [] if isinstance(t, dict)]
        if config.agent_mode.get("enabled") and tools:
            names = ", ".join(str(t.get("tool_name") or t.get("provider_id")) for t in tools)
            warnings.append(f"Agent tools are kept but not run by this version: {names}.")
        datasets = (config.dataset_configs.get("datasets") or {}).get("datasets") or []
        if datasets:
            warnings.append(
                f"{len(datasets)} knowledge base reference(s) are kept but not "
                "used until knowledge bases are available."
            )
        image = (config.file_upload.get("image") or {}) if config.file_upload else {}
        if config.file_upload.get("enabled") or image.get("enabled"):
            warnings.append("File upload settings are kept but uploads are not available yet.")
        for name in ("speech_to_text", "text_to_speech"):
            if getattr(config, name).enabled:
                warnings.append(f"{name} is enabled in the DSL but not supported yet.")
        return warnings


def _app_section(app: App) -> dict[str, Any]:
    return {
        "description": app.description,
        "icon": app.icon,
        "icon_background": app.icon_background,
        "icon_type": app.icon_type,
        "mode": app.mode,
        "name": app.name,
        "use_icon_as_answer_icon": False,
    }
