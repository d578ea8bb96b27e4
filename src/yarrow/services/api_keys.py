"""API keys: app keys (``app-`` + 24 characters) and workspace knowledge keys (``dataset-`` + 24).

A key is shown in full once, when created; only its SHA-256 digest and last four characters are
stored. ``resolve`` turns a presented key into the app or workspace it grants, with Dify's errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from yarrow.db.base import unix_seconds, utcnow
from yarrow.db.engine import Database
from yarrow.db.models import ApiToken, App, Tenant
from yarrow.errors import InvalidInput, NotFound, PermissionDenied, Unauthorized
from yarrow.services.permissions import Action, Actor
from yarrow.services.security import digest, random_token

KeyType = Literal["app", "dataset"]
MAX_KEYS_PER_RESOURCE = 10
_PREFIX: dict[str, str] = {"app": "app-", "dataset": "dataset-"}
_LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True)
class CreatedKey:
    """A new key, with its full secret (never retrievable again)."""

    id: str
    type: str
    token: str
    created_at: int


@dataclass(frozen=True)
class KeyGrant:
    """What a presented key grants: a workspace and, for app keys, one app."""

    token_id: str
    tenant_id: str
    type: str
    app: App | None


def masked(token_type: str, tail: str) -> str:
    """Display form of a stored key, e.g. ``app-********************AbCd``."""
    return f"{_PREFIX[token_type]}{'*' * 20}{tail}"


class ApiKeyService:
    """Create, list, delete and resolve API keys."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def create(self, actor: Actor, key_type: KeyType, app_id: str | None = None) -> CreatedKey:
        """Create a key for an app of the actor's workspace, or a workspace knowledge key."""
        self._require(actor, key_type)
        token = _PREFIX[key_type] + random_token(24)
        with self._db.transaction() as session:
            if key_type == "app":
                self._check_app(session, actor, app_id)
            owner = ApiToken.app_id == app_id if key_type == "app" else ApiToken.app_id.is_(None)
            count = (
                session.scalar(
                    select(func.count())
                    .select_from(ApiToken)
                    .where(ApiToken.tenant_id == actor.tenant_id, ApiToken.type == key_type, owner)
                )
                or 0
            )
            if count >= MAX_KEYS_PER_RESOURCE:
                raise InvalidInput(
                    f"Cannot create more than {MAX_KEYS_PER_RESOURCE} API keys for this "
                    "resource type.",
                    code="max_keys_exceeded",
                )
            row = ApiToken(
                tenant_id=actor.tenant_id,
                app_id=app_id if key_type == "app" else None,
                type=key_type,
                token_hash=digest(token),
                token_tail=token[-4:],
                created_by=actor.account_id,
            )
            session.add(row)
            session.flush()
            return CreatedKey(row.id, key_type, token, unix_seconds(row.created_at) or 0)

    def list(self, actor: Actor, key_type: KeyType, app_id: str | None = None) -> list[ApiToken]:
        """Keys of an app (or the workspace's knowledge keys), oldest first, secrets masked."""
        self._require(actor, key_type)
        with self._db.session() as session:
            if key_type == "app":
                self._check_app(session, actor, app_id)
            owner = ApiToken.app_id == app_id if key_type == "app" else ApiToken.app_id.is_(None)
            return list(
                session.scalars(
                    select(ApiToken)
                    .where(ApiToken.tenant_id == actor.tenant_id, ApiToken.type == key_type, owner)
                    .order_by(ApiToken.created_at, ApiToken.id)
                )
            )

    def delete(
        self, actor: Actor, key_type: KeyType, key_id: str, app_id: str | None = None
    ) -> None:
        """Delete one key of the actor's workspace (and of ``app_id`` for app keys)."""
        self._require(actor, key_type)
        with self._db.transaction() as session:
            if key_type == "app":
                self._check_app(session, actor, app_id)
            row = session.scalar(
                select(ApiToken).where(
                    ApiToken.id == key_id,
                    ApiToken.tenant_id == actor.tenant_id,
                    ApiToken.type == key_type,
                    ApiToken.app_id == app_id if key_type == "app" else ApiToken.app_id.is_(None),
                )
            )
            if row is None:
                raise NotFound("API key not found.", code="api_key_not_found")
            session.delete(row)

    def resolve(self, token: str, key_type: KeyType) -> KeyGrant:
        """What ``token`` grants, checked as Dify does.

        Raises:
            Unauthorized: unknown key, or a key of the other type ("Access token is invalid").
            PermissionDenied: the app is gone, abnormal or has its API disabled, or the workspace
                is archived.
        """
        with self._db.session() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
            if row is None or row.type != key_type:
                raise Unauthorized("Access token is invalid")
            tenant = session.get(Tenant, row.tenant_id)
            if tenant is None:
                raise PermissionDenied("Workspace not found.", code="workspace_not_found")
            if tenant.status != "normal":
                raise PermissionDenied("The workspace is archived.", code="workspace_archived")
            app = None
            if key_type == "app":
                app = session.get(App, row.app_id) if row.app_id else None
                if app is None:
                    raise PermissionDenied("App not found.", code="app_not_found")
                if app.status != "normal":
                    raise PermissionDenied(
                        "The app's status is abnormal.", code="app_abnormal_status"
                    )
                if not app.enable_api:
                    raise PermissionDenied(
                        "The app's API service has been disabled.", code="app_api_disabled"
                    )
            grant = KeyGrant(row.id, row.tenant_id, row.type, app)
            last_used = row.last_used_at
        now = utcnow()
        if last_used is None or now - last_used > _LAST_USED_GRANULARITY:
            with self._db.transaction() as session:
                session.execute(
                    update(ApiToken).where(ApiToken.id == grant.token_id).values(last_used_at=now)
                )
        return grant

    @staticmethod
    def _require(actor: Actor, key_type: KeyType) -> None:
        actor.require(Action.MANAGE_APP_KEYS if key_type == "app" else Action.MANAGE_DATASET_KEYS)

    @staticmethod
    def _check_app(session: Session, actor: Actor, app_id: str | None) -> None:
        if (
            not app_id
            or session.scalar(
                select(App.id).where(App.id == app_id, App.tenant_id == actor.tenant_id)
            )
            is None
        ):
            raise NotFound("App not found.", code="app_not_found")
