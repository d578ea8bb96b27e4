"""Import and export of Dify app DSL for chat, completion and agent-chat apps.

Parsing (versions 0.1.0 to 0.6.0, size and alias-bomb limits) is ``yarrow.workflow.dsl``'s. This
module turns a document into an app plus its model config, and back. Parts Yarrow does not run yet
are kept in the stored config (so an export gives them back) and reported as warnings, never
dropped silently. Workflow and advanced-chat documents are refused with a clear message until
workflow apps can be stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from yarrow.errors import InvalidInput
from yarrow.models import ModelRuntime
from yarrow.services.apps import AppDraft, AppService
from yarrow.services.chat.app_config import AppConfig, parse_config
from yarrow.services.chat.store import ChatStore
from yarrow.services.permissions import Action, Actor
from yarrow.workflow.dsl import CURRENT_DSL_VERSION, check_version, parse_dsl
from yarrow.workflow.errors import DslError

EASY_MODES = ("chat", "completion", "agent-chat")


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

    def __init__(self, apps: AppService, store: ChatStore, runtime: ModelRuntime) -> None:
        self._apps = apps
        self._store = store
        self._runtime = runtime

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
        if dsl.mode not in EASY_MODES:
            raise InvalidInput(
                f"{dsl.mode} apps cannot be imported yet; chat, completion and "
                "agent-chat apps can.",
                code="invalid_dsl",
            )
        try:
            config = parse_config(dsl.model_config or {})
        except InvalidInput as exc:
            raise InvalidInput(f"Invalid model_config: {exc.message}", code="invalid_dsl") from exc
        app_info = dsl.app
        created = self._apps.create(
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
        self._store.save_config(created.app.id, config, actor.account_id)
        warnings = dsl.warnings + self._unsupported(config)
        return ImportResult(
            "completed-with-warnings" if warnings else "completed",
            created.app.id,
            dsl.mode,
            dsl.version,
            warnings,
        )

    def export_app(self, actor: Actor, app_id: str) -> str:
        """The app as DSL YAML (current version)."""
        app = self._apps.get(actor, app_id).app
        if app.mode not in EASY_MODES:
            raise InvalidInput(f"{app.mode} apps cannot be exported yet.", code="invalid_dsl")
        config = self._store.config(app.id).model_dump(mode="json")
        document = {
            "app": {
                "description": app.description,
                "icon": app.icon,
                "icon_background": app.icon_background,
                "icon_type": app.icon_type,
                "mode": app.mode,
                "name": app.name,
                "use_icon_as_answer_icon": False,
            },
            "dependencies": [],
            "kind": "app",
            "model_config": config,
            "version": CURRENT_DSL_VERSION,
        }
        return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)

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
