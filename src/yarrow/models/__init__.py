"""Model runtime: providers for chat, embeddings and rerank.

The service layer builds one :class:`ModelRuntime` per process and asks it for providers, models
and credential checks; providers are found by name through the ``yarrow.model_providers``
entry-point group. See ``docs/models.md``.
"""

from yarrow.models.errors import (
    CircuitOpenError,
    ContextTooLongError,
    ModelAuthError,
    ModelBadRequestError,
    ModelError,
    ModelNotSupportedError,
    ModelQuotaError,
    ModelRateLimitError,
    ModelTimeoutError,
    ModelUnavailableError,
)
from yarrow.models.interfaces import (
    ChatModel,
    Credentials,
    EmbeddingModel,
    ModelProvider,
    ProviderContext,
    RerankModel,
)
from yarrow.models.registry import ENTRY_POINT_GROUP, ProviderRegistry, UnknownProviderError
from yarrow.models.runtime import LOCAL_PROVIDER, ModelRuntime
from yarrow.models.types import (
    ChatDelta,
    ChatMessage,
    ChatOptions,
    ChatResult,
    CredentialField,
    EmbeddingResult,
    ImagePart,
    ModelCapabilities,
    ModelInfo,
    ModelType,
    ProviderInfo,
    RerankHit,
    RerankResult,
    TextPart,
    ToolCall,
    ToolDefinition,
    Usage,
    UsageRecord,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "LOCAL_PROVIDER",
    "ChatDelta",
    "ChatMessage",
    "ChatModel",
    "ChatOptions",
    "ChatResult",
    "CircuitOpenError",
    "ContextTooLongError",
    "CredentialField",
    "Credentials",
    "EmbeddingModel",
    "EmbeddingResult",
    "ImagePart",
    "ModelAuthError",
    "ModelBadRequestError",
    "ModelCapabilities",
    "ModelError",
    "ModelInfo",
    "ModelNotSupportedError",
    "ModelProvider",
    "ModelQuotaError",
    "ModelRateLimitError",
    "ModelRuntime",
    "ModelTimeoutError",
    "ModelType",
    "ModelUnavailableError",
    "ProviderContext",
    "ProviderInfo",
    "ProviderRegistry",
    "RerankHit",
    "RerankModel",
    "RerankResult",
    "TextPart",
    "ToolCall",
    "ToolDefinition",
    "UnknownProviderError",
    "Usage",
    "UsageRecord",
]
