"""Builds each run's engine collaborators from process-wide pieces.

Network clients are created per call and closed after it, so a run never holds a connection
pool across event loops (tests and embedded mode run several) and nothing leaks when a run is
cancelled. The model invoker is scoped to the app's workspace, the memory to the conversation.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable

import httpx

from yarrow.db.models import App
from yarrow.services.chat.store import ChatStore
from yarrow.services.model_providers import ModelProviderService
from yarrow.services.workflows.adapters import RuntimeChatInvoker, StoredMemory
from yarrow.workflow import WorkflowServices
from yarrow.workflow.httpx_client import HttpxHttpClient
from yarrow.workflow.ports import CodeExecutor, HttpRequest, HttpResponse, ToolInvoker


class PerCallCodeExecutor:
    """``CodeExecutor`` that opens a sandbox client for each execution."""

    def __init__(self, factory: Callable[[], CodeExecutor]) -> None:
        self._factory = factory

    async def execute(self, language: str, code: str, *, preload: str = "") -> str:
        client = self._factory()
        try:
            return await client.execute(language, code, preload=preload)
        finally:
            aclose = getattr(client, "aclose", None)
            if aclose is not None:
                await aclose()


class PerCallHttpClient:
    """``HttpClient`` over SSRF-guarded httpx clients opened for each request."""

    def __init__(self, factory: Callable[[bool], httpx.AsyncClient]) -> None:
        self._factory = factory

    async def send(self, request: HttpRequest) -> HttpResponse:
        async with self._factory(request.ssl_verify) as client:
            return await HttpxHttpClient(client).send(request)


class RunCollaborators:
    """``for_run(app, conversation_id)`` gives the :class:`WorkflowServices` of one run."""

    def __init__(
        self,
        providers: ModelProviderService,
        chat_store: ChatStore,
        *,
        code: Callable[[], CodeExecutor] | None = None,
        http: Callable[[bool], httpx.AsyncClient] | None = None,
        tools: ToolInvoker | None = None,
    ) -> None:
        self._tools = tools
        self._providers = providers
        self._chat_store = chat_store
        self._code = PerCallCodeExecutor(code) if code is not None else None
        self._http = PerCallHttpClient(http) if http is not None else None

    def for_run(self, app: App, conversation_id: str | None) -> WorkflowServices:
        return WorkflowServices(
            code=self._code,
            http=self._http,
            chat=RuntimeChatInvoker(self._providers, app.tenant_id),
            memory=StoredMemory(self._chat_store.history) if conversation_id else None,
            tools=self._tools,
        )


def insecure_context() -> ssl.SSLContext:
    """A TLS context without verification, for http-request nodes that turn ``ssl_verify`` off."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
