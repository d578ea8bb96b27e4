"""Every table of Yarrow; importing this package registers them on ``Base.metadata``."""

from yarrow.db.models.accounts import (
    ROLES,
    Account,
    AccountSession,
    Invitation,
    LoginThrottle,
    Setup,
    Tenant,
    TenantMember,
)
from yarrow.db.models.apps import APP_MODES, ApiToken, App, Site
from yarrow.db.models.conversations import (
    AppModelConfig,
    Conversation,
    EndUser,
    Message,
    MessageFeedback,
)
from yarrow.db.models.datasets import (
    CachedEmbedding,
    ChildChunk,
    Dataset,
    DatasetQuery,
    Document,
    DocumentSegment,
)
from yarrow.db.models.files import UploadFile
from yarrow.db.models.model_providers import DefaultModel, ProviderCredential
from yarrow.db.models.tasks import TASK_STATUSES, TaskRecord, TaskScheduleRun
from yarrow.db.models.workflows import (
    Workflow,
    WorkflowConversationState,
    WorkflowNodeExecution,
    WorkflowRun,
)

__all__ = [
    "APP_MODES",
    "ROLES",
    "Account",
    "AccountSession",
    "ApiToken",
    "App",
    "AppModelConfig",
    "CachedEmbedding",
    "ChildChunk",
    "Conversation",
    "Dataset",
    "DatasetQuery",
    "DefaultModel",
    "Document",
    "DocumentSegment",
    "EndUser",
    "Invitation",
    "LoginThrottle",
    "Message",
    "MessageFeedback",
    "ProviderCredential",
    "Setup",
    "Site",
    "TASK_STATUSES",
    "TaskRecord",
    "TaskScheduleRun",
    "Tenant",
    "TenantMember",
    "UploadFile",
    "Workflow",
    "WorkflowConversationState",
    "WorkflowNodeExecution",
    "WorkflowRun",
]
