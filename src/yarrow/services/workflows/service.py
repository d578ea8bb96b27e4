"""The workflow service as the container holds it: definitions, runs, chatflows, history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from yarrow.db.engine import Database
from yarrow.services.chat.running import TaskRegistry
from yarrow.services.chat.store import ChatStore
from yarrow.services.chat.tools import ToolCatalog
from yarrow.services.model_providers import ModelProviderService
from yarrow.services.workflows.adapters import CatalogToolInvoker
from yarrow.services.workflows.chatflow import ChatflowRunner
from yarrow.services.workflows.collaborators import RunCollaborators
from yarrow.services.workflows.definitions import WorkflowDefinitions
from yarrow.services.workflows.running import WorkflowRunner
from yarrow.services.workflows.store import WorkflowStore
from yarrow.workflow import EngineLimits
from yarrow.workflow.ports import CodeExecutor


@dataclass
class WorkflowService:
    """Everything about workflow and advanced-chat apps."""

    store: WorkflowStore
    definitions: WorkflowDefinitions
    runner: WorkflowRunner
    chatflow: ChatflowRunner


def build_workflow_service(
    database: Database,
    chat_store: ChatStore,
    providers: ModelProviderService,
    tasks: TaskRegistry,
    limits: EngineLimits,
    *,
    code: Callable[[], CodeExecutor] | None = None,
    http: Callable[[bool], httpx.AsyncClient] | None = None,
) -> WorkflowService:
    """Wire the workflow service; ``code``/``http`` build sandbox and SSRF-safe clients.

    Tool nodes get the built-in tools; their web fetches use ``http`` (with TLS verification).
    """
    store = WorkflowStore(database)
    definitions = WorkflowDefinitions(store)
    tools = CatalogToolInvoker(ToolCatalog(lambda: http(True))) if http is not None else None
    collaborators = RunCollaborators(providers, chat_store, code=code, http=http, tools=tools)
    runner = WorkflowRunner(definitions, store, chat_store, tasks, collaborators.for_run, limits)
    return WorkflowService(store, definitions, runner, ChatflowRunner(runner, chat_store))
