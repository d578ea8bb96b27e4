"""The set of services one process uses, built once by ``yarrow.entrypoints``."""

from __future__ import annotations

from dataclasses import dataclass

from yarrow.cache import CacheBackends, build_cache_backends
from yarrow.db.engine import Database
from yarrow.models import ModelRuntime, ProviderContext
from yarrow.net import ClientOptions, build_ssrf_client
from yarrow.services.accounts import AccountService, LoginPolicy
from yarrow.services.api_keys import ApiKeyService
from yarrow.services.app_dsl import AppDslService
from yarrow.services.apps import AppService
from yarrow.services.chat.generation import ChatService
from yarrow.services.chat.running import TaskRegistry
from yarrow.services.chat.store import ChatStore
from yarrow.services.chat.tools import ToolCatalog
from yarrow.services.crypto import CredentialCipher
from yarrow.services.files import FileService
from yarrow.services.knowledge import KnowledgeService, VectorIndex, settings_factory
from yarrow.services.knowledge.app_context import AppKnowledge
from yarrow.services.model_providers import ModelProviderService
from yarrow.services.passports import PassportService
from yarrow.services.security import PasswordHasherService, TokenSigner
from yarrow.services.workflows.service import WorkflowService, build_workflow_service
from yarrow.services.workspaces import WorkspaceService
from yarrow.settings import Settings
from yarrow.storage import FileUrlSigner, ObjectStorage, build_storage
from yarrow.tasks import TaskQueue


@dataclass
class Services:
    """Every service, sharing one database."""

    settings: Settings
    database: Database
    signer: TokenSigner
    accounts: AccountService
    workspaces: WorkspaceService
    apps: AppService
    api_keys: ApiKeyService
    runtime: ModelRuntime
    model_providers: ModelProviderService
    chat_store: ChatStore
    chat: ChatService
    dsl: AppDslService
    files: FileService
    passports: PassportService
    cache: CacheBackends
    workflows: WorkflowService
    knowledge: KnowledgeService

    task_queue: TaskQueue | None = None
    """Set by the entrypoint that builds the task system."""


def build_services(
    settings: Settings,
    database: Database,
    runtime: ModelRuntime | None = None,
    storage: ObjectStorage | None = None,
    cache: CacheBackends | None = None,
) -> Services:
    """Wire the services for ``settings`` over ``database``.

    ``runtime`` and ``storage`` default to the ones ``settings`` describe (the storage is built
    from the settings alone, without extra ``OPENDAL_*`` variables: pass one to use those).
    """
    core = settings.core
    hasher = PasswordHasherService()
    signer = TokenSigner(core.secret_key.get_secret_value(), core.access_token_expire_minutes)
    policy = LoginPolicy(
        max_failures=core.yarrow_login_max_attempts,
        lockout_seconds=core.login_lockout_duration,
        refresh_days=core.refresh_token_expire_days,
    )
    runtime = runtime or ModelRuntime(ProviderContext(settings.models, settings.data_dir))
    providers = ModelProviderService(
        database, runtime, CredentialCipher(core.secret_key.get_secret_value())
    )
    store = ChatStore(database)
    cache = cache or build_cache_backends(settings.redis, use_redis=settings.uses_redis)
    tasks = TaskRegistry(settings.limits.app_max_active_requests, cache.pubsub)
    apps = AppService(database)
    secret = core.secret_key.get_secret_value()
    storage = storage or build_storage(settings.storage, environ={}, data_dir=settings.data_dir)
    files_url = core.files_url or core.console_api_url or ""
    url_signer = FileUrlSigner(secret, files_url, access_timeout=core.files_access_timeout)
    files = FileService(
        database,
        storage,
        url_signer,
        settings.limits,
        lambda max_bytes: build_ssrf_client(
            settings.ssrf, options=ClientOptions(max_response_bytes=max_bytes)
        ),
    )
    knowledge = KnowledgeService(
        database,
        storage,
        providers,
        VectorIndex(
            settings_factory(settings.vector_store, settings.data_dir),
            settings.vector_store.vector_index_name_prefix,
        ),
    )
    chat = ChatService(
        store,
        providers,
        tasks,
        ToolCatalog(lambda: build_ssrf_client(settings.ssrf)),
        settings.limits.yarrow_max_query_chars,
        files,
        AppKnowledge(knowledge),
    )
    workflows = _workflows(settings, database, store, providers, tasks)
    return Services(
        settings=settings,
        database=database,
        signer=signer,
        accounts=AccountService(
            database, hasher, signer, policy, core.init_password.get_secret_value()
        ),
        workspaces=WorkspaceService(database, hasher, core.invite_expiry_hours),
        apps=apps,
        api_keys=ApiKeyService(database),
        runtime=runtime,
        model_providers=providers,
        chat_store=store,
        chat=chat,
        dsl=AppDslService(apps, store, runtime, workflows.definitions),
        files=files,
        passports=PassportService(database, store, secret),
        cache=cache,
        workflows=workflows,
        knowledge=knowledge,
    )


def _workflows(
    settings: Settings,
    database: Database,
    store: ChatStore,
    providers: ModelProviderService,
    tasks: TaskRegistry,
) -> WorkflowService:
    """The workflow service with the sandbox, the SSRF-safe client and the run limits."""
    from yarrow.sandbox.client import SandboxClient
    from yarrow.services.workflows.collaborators import insecure_context
    from yarrow.workflow import EngineLimits

    sandbox, limits = settings.sandbox, settings.limits
    return build_workflow_service(
        database,
        store,
        providers,
        tasks,
        EngineLimits(
            max_steps=limits.workflow_max_execution_steps,
            max_execution_time=limits.workflow_max_execution_time,
            max_call_depth=limits.workflow_call_max_depth,
            max_variable_size=limits.max_variable_size,
            max_parallel_nodes=10,
        ),
        code=lambda: SandboxClient(
            sandbox.code_execution_endpoint,
            sandbox.code_execution_api_key.get_secret_value(),
            connect_timeout=sandbox.code_execution_connect_timeout,
            read_timeout=sandbox.code_execution_read_timeout,
            write_timeout=sandbox.code_execution_write_timeout,
        ),
        http=lambda verify: build_ssrf_client(
            settings.ssrf, ssl_context=None if verify else insecure_context()
        ),
    )
