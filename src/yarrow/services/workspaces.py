"""Workspaces (tenants), members, roles and invitations.

Every method that reads or changes a workspace takes an :class:`Actor` and only ever touches that
actor's workspace: an id from another workspace is answered with NotFound, never with its data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yarrow.db.base import utcnow
from yarrow.db.engine import Database
from yarrow.db.models import ROLES, Account, Invitation, Tenant, TenantMember
from yarrow.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unauthorized
from yarrow.services.accounts import check_name, normalise_email
from yarrow.services.permissions import Action, Actor
from yarrow.services.security import (
    PasswordHasherService,
    check_password_rule,
    digest,
    random_token,
)

ASSIGNABLE_ROLES: tuple[str, ...] = tuple(r for r in ROLES if r != "owner")


@dataclass(frozen=True)
class WorkspaceView:
    """A workspace as one account sees it."""

    id: str
    name: str
    plan: str
    status: str
    created_at: datetime
    role: str
    current: bool


@dataclass(frozen=True)
class MemberView:
    """A member of a workspace."""

    id: str
    name: str
    email: str
    role: str
    status: str
    last_login_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class InvitationResult:
    """An invitation created for one email; ``token`` is shown only here."""

    email: str
    token: str
    status: str


def check_role(role: str) -> str:
    """A role that may be assigned by invitation or role change."""
    if role not in ASSIGNABLE_ROLES:
        raise InvalidInput(
            f"Invalid role; choose one of: {', '.join(ASSIGNABLE_ROLES)}.", params="role"
        )
    return role


class WorkspaceService:
    """Workspaces, membership and invitations."""

    def __init__(
        self, database: Database, hasher: PasswordHasherService, invite_expiry_hours: int = 72
    ) -> None:
        self._db = database
        self._hasher = hasher
        self._invite_expiry = timedelta(hours=invite_expiry_hours)

    def current_actor(self, account_id: str, workspace_id: str | None = None) -> Actor:
        """The actor for ``account_id`` in ``workspace_id`` (or its current workspace).

        Raises:
            PermissionDenied: the account is not a member of that workspace, or it is archived.
        """
        with self._db.session() as session:
            query = select(TenantMember).where(TenantMember.account_id == account_id)
            if workspace_id:
                query = query.where(TenantMember.tenant_id == workspace_id)
            memberships = list(session.scalars(query.order_by(TenantMember.created_at)))
            if not memberships:
                raise PermissionDenied(
                    "You are not a member of this workspace.", code="workspace_not_found"
                )
            chosen = next((m for m in memberships if m.current), memberships[0])
            tenant = session.get(Tenant, chosen.tenant_id)
            if tenant is None or tenant.status != "normal":
                raise PermissionDenied("This workspace is archived.", code="workspace_archived")
            return Actor(account_id, chosen.tenant_id, chosen.role)

    def list_for_account(self, account_id: str) -> list[WorkspaceView]:
        """Every workspace the account belongs to."""
        with self._db.session() as session:
            rows = session.execute(
                select(Tenant, TenantMember)
                .join(TenantMember, TenantMember.tenant_id == Tenant.id)
                .where(TenantMember.account_id == account_id)
                .order_by(Tenant.created_at)
            ).all()
            return [
                WorkspaceView(t.id, t.name, t.plan, t.status, t.created_at, m.role, m.current)
                for t, m in rows
            ]

    def create(self, account_id: str, name: str) -> WorkspaceView:
        """A new workspace owned by ``account_id``, which becomes its current one."""
        name = check_name(name)
        with self._db.transaction() as session:
            tenant = Tenant(name=name)
            session.add(tenant)
            session.flush()
            session.execute(
                update(TenantMember)
                .where(TenantMember.account_id == account_id)
                .values(current=False)
            )
            session.add(
                TenantMember(tenant_id=tenant.id, account_id=account_id, role="owner", current=True)
            )
            return WorkspaceView(
                tenant.id, tenant.name, tenant.plan, tenant.status, tenant.created_at, "owner", True
            )

    def switch(self, account_id: str, workspace_id: str) -> Actor:
        """Make ``workspace_id`` the account's current workspace."""
        actor = self.current_actor(account_id, workspace_id)
        with self._db.transaction() as session:
            session.execute(
                update(TenantMember)
                .where(TenantMember.account_id == account_id)
                .values(current=False)
            )
            session.execute(
                update(TenantMember)
                .where(
                    TenantMember.account_id == account_id, TenantMember.tenant_id == workspace_id
                )
                .values(current=True)
            )
        return actor

    def rename(self, actor: Actor, name: str) -> WorkspaceView:
        """Rename the actor's workspace."""
        actor.require(Action.MANAGE_WORKSPACE)
        name = check_name(name)
        with self._db.transaction() as session:
            tenant = session.get(Tenant, actor.tenant_id)
            if tenant is None:
                raise NotFound("Workspace not found.")
            tenant.name = name
            return WorkspaceView(
                tenant.id,
                tenant.name,
                tenant.plan,
                tenant.status,
                tenant.created_at,
                actor.role,
                True,
            )

    def members(self, actor: Actor) -> list[MemberView]:
        """Members of the actor's workspace."""
        actor.require(Action.VIEW_MEMBERS)
        with self._db.session() as session:
            rows = session.execute(
                select(Account, TenantMember)
                .join(TenantMember, TenantMember.account_id == Account.id)
                .where(TenantMember.tenant_id == actor.tenant_id)
                .order_by(TenantMember.created_at)
            ).all()
            return [
                MemberView(a.id, a.name, a.email, m.role, a.status, a.last_login_at, m.created_at)
                for a, m in rows
            ]

    def invite(self, actor: Actor, emails: list[str], role: str) -> list[InvitationResult]:
        """Invite emails to the actor's workspace; existing members are reported, not re-added."""
        actor.require(Action.INVITE_MEMBERS)
        check_role(role)
        if not emails:
            raise InvalidInput("At least one email is required.", params="emails")
        if len(emails) > 100:
            raise InvalidInput("At most 100 emails per request.", params="emails")
        if role == "admin" and actor.role != "owner":
            raise PermissionDenied("Only the owner can invite admins.")
        results: list[InvitationResult] = []
        expires = utcnow() + self._invite_expiry
        with self._db.transaction() as session:
            for raw in emails:
                email = normalise_email(raw)
                member = session.scalar(
                    select(TenantMember)
                    .join(Account, Account.id == TenantMember.account_id)
                    .where(TenantMember.tenant_id == actor.tenant_id, Account.email == email)
                )
                if member is not None:
                    results.append(InvitationResult(email, "", "already_member"))
                    continue
                token = random_token(32)
                session.add(
                    Invitation(
                        tenant_id=actor.tenant_id,
                        email=email,
                        role=role,
                        token_hash=digest(token),
                        inviter_id=actor.account_id,
                        expires_at=expires,
                    )
                )
                results.append(InvitationResult(email, token, "success"))
        return results

    def accept(
        self,
        token: str,
        *,
        account_id: str | None = None,
        name: str | None = None,
        password: str | None = None,
    ) -> Actor:
        """Join a workspace with an invitation token.

        A signed-in account (``account_id``) joins if its email matches the invitation; otherwise a
        new account is created from ``name`` and ``password``.

        Raises:
            Unauthorized: the token is unknown, used or expired.
            PermissionDenied: the signed-in account's email differs from the invitation's.
            Conflict: the email already has an account (sign in first).
        """
        now = utcnow()
        with self._db.transaction() as session:
            invitation = session.scalar(
                select(Invitation).where(Invitation.token_hash == digest(token))
            )
            if invitation is None or invitation.accepted_at or invitation.expires_at <= now:
                raise Unauthorized(
                    "Invitation is invalid or has expired.", code="invalid_invitation"
                )
            existing = session.scalar(select(Account).where(Account.email == invitation.email))
            if account_id is not None:
                if existing is None or existing.id != account_id:
                    raise PermissionDenied("This invitation is for another email address.")
                account = existing
            else:
                if existing is not None:
                    raise Conflict(
                        "An account with this email exists; sign in to accept.",
                        code="account_exists",
                    )
                check_password_rule(password or "")
                account = Account(
                    name=check_name(name or ""),
                    email=invitation.email,
                    password_hash=self._hasher.hash(password or ""),
                )
                session.add(account)
                session.flush()
            invitation.accepted_at = now
            try:
                session.add(
                    TenantMember(
                        tenant_id=invitation.tenant_id,
                        account_id=account.id,
                        role=invitation.role,
                        invited_by=invitation.inviter_id,
                        current=account_id is None,
                    )
                )
                session.flush()
            except IntegrityError as exc:
                raise Conflict("Already a member of this workspace.") from exc
            return Actor(account.id, invitation.tenant_id, invitation.role)

    def update_role(self, actor: Actor, member_id: str, role: str) -> None:
        """Change a member's role (owner only; the owner's own role cannot change)."""
        actor.require(Action.MANAGE_MEMBERS)
        check_role(role)
        with self._db.transaction() as session:
            member = self._member(session, actor, member_id)
            if member.role == "owner":
                raise PermissionDenied("The owner's role cannot be changed.")
            member.role = role

    def remove_member(self, actor: Actor, member_id: str) -> None:
        """Remove a member (owner only; nobody removes the owner or themselves here)."""
        actor.require(Action.MANAGE_MEMBERS)
        if member_id == actor.account_id:
            raise InvalidInput("You cannot remove yourself.", params="member_id")
        with self._db.transaction() as session:
            member = self._member(session, actor, member_id)
            if member.role == "owner":
                raise PermissionDenied("The owner cannot be removed.")
            session.delete(member)

    @staticmethod
    def _member(session: Session, actor: Actor, member_id: str) -> TenantMember:
        member = session.scalar(
            select(TenantMember).where(
                TenantMember.tenant_id == actor.tenant_id, TenantMember.account_id == member_id
            )
        )
        if member is None:
            raise NotFound("Member not found.", code="member_not_found")
        return member
