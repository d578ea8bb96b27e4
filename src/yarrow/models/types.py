"""Value types of the model runtime: messages, tools, results, usage, model descriptions.

All types are frozen pydantic models so they can be logged, compared in tests and serialised by
the service layer unchanged. Model types use Dify's names (``llm``, ``text-embedding``, ``rerank``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelType(StrEnum):
    """Kinds of model a provider can offer (Dify's ``model_type`` values)."""

    LLM = "llm"
    TEXT_EMBEDDING = "text-embedding"
    RERANK = "rerank"


class TextPart(_Frozen):
    """A text piece of a message."""

    type: Literal["text"] = "text"
    text: str


class ImagePart(_Frozen):
    """An image given as an ``https:`` or ``data:`` URL; only for models with ``vision``."""

    type: Literal["image"] = "image"
    url: str
    detail: Literal["auto", "low", "high"] = "auto"


ContentPart = TextPart | ImagePart


class ToolCall(_Frozen):
    """A function call the model asked for; ``arguments`` is the raw JSON text."""

    id: str
    name: str
    arguments: str


class ChatMessage(_Frozen):
    """One message of a conversation.

    ``content`` is plain text or a list of parts. An ``assistant`` message may carry ``tool_calls``;
    a ``tool`` message answers the call named by ``tool_call_id``.
    """

    role: Literal["system", "user", "assistant", "tool"]
    content: str | list[ContentPart] = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None

    def text(self) -> str:
        """The text of the message, parts joined, images left out."""
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text for p in self.content if isinstance(p, TextPart))

    def has_images(self) -> bool:
        """Whether any part is an image."""
        return not isinstance(self.content, str) and any(
            isinstance(p, ImagePart) for p in self.content
        )


class ToolDefinition(_Frozen):
    """A function the model may call; ``parameters`` is a JSON Schema object."""

    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


#: ``"auto"``, ``"none"``, ``"required"`` or the name of one tool the model must call.
ToolChoice = Literal["auto", "none", "required"] | str


class ChatOptions(_Frozen):
    """Generation options common to every chat provider."""

    max_tokens: int | None = Field(default=None, gt=0)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    stop: list[str] = Field(default_factory=list, max_length=4)
    tools: list[ToolDefinition] = Field(default_factory=list)
    tool_choice: ToolChoice | None = None
    seed: int | None = None


class Usage(_Frozen):
    """Tokens and latency of one call.

    ``estimated`` is true when the provider reported no usage and the counts are a local
    estimate (:func:`yarrow.models.tokens.estimate_tokens`).
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "error"]


class ChatResult(_Frozen):
    """A finished (blocking) chat completion."""

    model: str
    message: ChatMessage
    finish_reason: FinishReason
    usage: Usage


class ToolCallDelta(_Frozen):
    """A fragment of a streamed tool call; fragments with the same ``index`` concatenate."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


class ChatDelta(_Frozen):
    """One streamed piece. The last delta of a stream has ``finish_reason`` and ``usage`` set."""

    content: str = ""
    tool_calls: list[ToolCallDelta] = Field(default_factory=list)
    finish_reason: FinishReason | None = None
    usage: Usage | None = None


class EmbeddingResult(_Frozen):
    """Vectors in input order, each of ``dimension`` floats."""

    model: str
    vectors: list[list[float]]
    dimension: int
    usage: Usage


class RerankHit(_Frozen):
    """Score of one input document; ``index`` points into the request's document list."""

    index: int
    score: float


class RerankResult(_Frozen):
    """Hits sorted by descending score (cut to ``top_n`` when given)."""

    model: str
    hits: list[RerankHit]
    usage: Usage


class ModelCapabilities(_Frozen):
    """What one model can do; the service layer and UI read these, callers check them."""

    streaming: bool = True
    tool_calling: bool = False
    forced_tool_choice: bool = False
    vision: bool = False
    context_size: int = 4096
    max_output_tokens: int | None = None
    embedding_dimension: int | None = None
    max_batch_size: int | None = None


class ModelInfo(_Frozen):
    """One model a provider offers."""

    provider: str
    name: str
    type: ModelType
    label: str = ""
    capabilities: ModelCapabilities = Field(default_factory=ModelCapabilities)


class CredentialField(_Frozen):
    """One field of a provider's credential form; ``secret`` fields are masked by the service."""

    name: str
    label: str
    type: Literal["text", "secret", "number", "boolean", "select"] = "text"
    required: bool = False
    default: str | None = None
    options: list[str] = Field(default_factory=list)
    help: str = ""

    @property
    def secret(self) -> bool:
        """Whether the value must be encrypted at rest and never returned in full."""
        return self.type == "secret"


class ProviderInfo(_Frozen):
    """A registered provider, as the console lists it."""

    name: str
    label: str
    model_types: list[ModelType]
    credential_schema: list[CredentialField]
    needs_credentials: bool = True


class UsageRecord(_Frozen):
    """What the runtime reports to its usage sink after every call (for usage statistics)."""

    provider: str
    model: str
    model_type: ModelType
    usage: Usage
    ok: bool
    error_code: str | None = None
    attempts: int = 1
