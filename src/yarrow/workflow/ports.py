"""Collaborators the engine needs from the outside world, as small Protocols.

The engine never builds these; ``yarrow.entrypoints`` (through ``yarrow.services``) wires the real
ones (sandbox client, SSRF-safe HTTP client, model runtime, RAG retrieval, tool and agent runtimes).
A node whose collaborator is missing fails with :class:`~yarrow.workflow.errors.NodeConfigError`.
Adapters translate vendor errors into :mod:`yarrow.errors` categories (``UpstreamUnavailable``...).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from yarrow.workflow.events import TokenUsage

# -- code (sandbox API) -------------------------------------------------------------------


class CodeExecutor(Protocol):
    """Runs a script in the sandbox (``POST /v1/sandbox/run``) and returns its stdout.

    Raises an error for a sandbox-side failure (non-zero code, non-empty ``data.error``).
    ``yarrow.sandbox.client.SandboxClient`` satisfies this as it is.
    """

    async def execute(self, language: str, code: str, *, preload: str = "") -> str: ...


# -- HTTP (SSRF-safe client) -------------------------------------------------------------


@dataclass(frozen=True)
class HttpTimeout:
    connect: float = 10.0
    read: float = 60.0
    write: float = 20.0


@dataclass(frozen=True)
class MultipartField:
    """A multipart/form-data field; ``content`` is bytes for a file, ``value`` text otherwise."""

    name: str
    value: str = ""
    filename: str | None = None
    content: bytes | None = None
    mime_type: str | None = None


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: Sequence[tuple[str, str]] = ()
    params: Sequence[tuple[str, str]] = ()
    content: bytes | None = None
    form: Sequence[tuple[str, str]] | None = None
    multipart: Sequence[MultipartField] | None = None
    timeout: HttpTimeout = field(default_factory=HttpTimeout)
    ssl_verify: bool = True


@dataclass(frozen=True)
class HttpResponse:
    status_code: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class HttpClient(Protocol):
    """Sends one request through the SSRF guard (refuses private addresses, caps size/time)."""

    async def send(self, request: HttpRequest) -> HttpResponse: ...


# -- files ------------------------------------------------------------------------------


class FileReader(Protocol):
    """Reads the bytes of a file variable (a Dify file mapping) and extracts document text."""

    async def read_bytes(self, file: Mapping[str, Any]) -> bytes: ...

    async def extract_text(self, file: Mapping[str, Any]) -> str: ...


class FileStore(Protocol):
    """Stores bytes a node produced (an HTTP download) and returns a Dify file mapping."""

    async def save(self, content: bytes, *, filename: str, mime_type: str) -> dict[str, Any]: ...


# -- chat models ------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatMessage:
    """``content`` is text, or a list of parts ({type: text|image_url, ...}) for vision."""

    role: str
    content: str | list[dict[str, Any]]


@dataclass(frozen=True)
class ToolSpec:
    """A function the model may call (function-calling parameter extraction, agents)."""

    name: str
    description: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: str


@dataclass(frozen=True)
class ChatRequest:
    provider: str
    model: str
    messages: Sequence[ChatMessage]
    mode: str = "chat"
    parameters: Mapping[str, Any] = field(default_factory=dict)
    stop: Sequence[str] = ()
    tools: Sequence[ToolSpec] = ()
    json_schema: Mapping[str, Any] | None = None
    user: str = ""


@dataclass(frozen=True)
class ChatChunk:
    """One streamed piece; ``usage`` usually only on the last chunk."""

    delta: str = ""
    reasoning: str = ""
    tool_calls: Sequence[ToolCall] = ()
    usage: TokenUsage | None = None


class ChatModelInvoker(Protocol):
    """Streams a chat or completion call to the model runtime."""

    def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]: ...


class ConversationMemory(Protocol):
    """Past turns of a conversation, oldest first, at most ``window`` turns when given."""

    async def history(self, conversation_id: str, window: int | None) -> list[ChatMessage]: ...


# -- knowledge, tools, agents -----------------------------------------------------------


@dataclass(frozen=True)
class RetrievalRequest:
    query: str
    dataset_ids: Sequence[str]
    mode: str = "multiple"
    top_k: int = 4
    score_threshold: float | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    user_id: str = ""
    app_id: str = ""


class KnowledgeRetriever(Protocol):
    """Returns Dify's knowledge-retrieval ``result`` items ({metadata, title, content, ...})."""

    async def retrieve(self, request: RetrievalRequest) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class ToolRequest:
    provider_type: str
    provider_id: str
    tool_name: str
    parameters: Mapping[str, Any]
    configurations: Mapping[str, Any] = field(default_factory=dict)
    credential_id: str | None = None
    user_id: str = ""
    #: depth of the calling run; a workflow-as-tool runs its workflow at ``call_depth + 1``
    call_depth: int = 0


@dataclass(frozen=True)
class ToolResult:
    text: str = ""
    files: list[dict[str, Any]] = field(default_factory=list)
    json: list[Any] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)


class ToolInvoker(Protocol):
    """Runs a built-in, API (OpenAPI), workflow or MCP tool."""

    async def invoke(self, request: ToolRequest) -> ToolResult: ...


@dataclass(frozen=True)
class AgentRequest:
    strategy_provider: str
    strategy: str
    parameters: Mapping[str, Any]
    user_id: str = ""
    conversation_id: str | None = None
    call_depth: int = 0


@dataclass(frozen=True)
class AgentResult:
    text: str = ""
    usage: TokenUsage | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    json: list[Any] = field(default_factory=list)


class AgentRunner(Protocol):
    """Runs an agent strategy (function calling / ReAct) with its tools."""

    async def run(self, request: AgentRequest) -> AgentResult: ...


class StopSignal(Protocol):
    """Tells a run to stop; the Redis-backed one lets any API replica stop any run."""

    async def is_set(self) -> bool: ...


@dataclass
class WorkflowServices:
    """The collaborators given to a run; any may be ``None`` if no node needs it."""

    code: CodeExecutor | None = None
    http: HttpClient | None = None
    files: FileReader | None = None
    file_store: FileStore | None = None
    chat: ChatModelInvoker | None = None
    memory: ConversationMemory | None = None
    knowledge: KnowledgeRetriever | None = None
    tools: ToolInvoker | None = None
    agents: AgentRunner | None = None
