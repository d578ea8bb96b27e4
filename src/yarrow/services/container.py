"""The set of services one process uses, built once by ``yarrow.entrypoints``."""

from __future__ import annotations

from dataclasses import dataclass

from yarrow.db.engine import Database
from yarrow.services.accounts import AccountService, LoginPolicy
from yarrow.services.api_keys import ApiKeyService
from yarrow.services.apps import AppService
from yarrow.services.security import PasswordHasherService, TokenSigner
from yarrow.services.workspaces import WorkspaceService
from yarrow.settings import Settings


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


def build_services(settings: Settings, database: Database) -> Services:
    """Wire the services for ``settings`` over ``database``."""
    core = settings.core
    hasher = PasswordHasherService()
    signer = TokenSigner(core.secret_key.get_secret_value(), core.access_token_expire_minutes)
    policy = LoginPolicy(
        max_failures=core.yarrow_login_max_attempts,
        lockout_seconds=core.login_lockout_duration,
        refresh_days=core.refresh_token_expire_days,
    )
    return Services(
        settings=settings,
        database=database,
        signer=signer,
        accounts=AccountService(
            database, hasher, signer, policy, core.init_password.get_secret_value()
        ),
        workspaces=WorkspaceService(database, hasher, core.invite_expiry_hours),
        apps=AppService(database),
        api_keys=ApiKeyService(database),
    )
