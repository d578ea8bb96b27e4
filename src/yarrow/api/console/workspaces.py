"""Workspaces and their members."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from yarrow.api.console.schemas import InviteBody, RoleBody, SwitchBody, WorkspaceBody
from yarrow.api.deps import CurrentAccountId, CurrentActor, ServicesDep
from yarrow.db.base import unix_seconds
from yarrow.services.workspaces import WorkspaceView

router = APIRouter()


def _workspace_json(view: WorkspaceView) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.name,
        "plan": view.plan,
        "status": view.status,
        "role": view.role,
        "current": view.current,
        "created_at": unix_seconds(view.created_at),
    }


@router.get("/workspaces")
def list_workspaces(account_id: CurrentAccountId, services: ServicesDep) -> dict[str, Any]:
    """Every workspace of the signed-in account."""
    return {
        "workspaces": [_workspace_json(w) for w in services.workspaces.list_for_account(account_id)]
    }


@router.post("/workspaces", status_code=201)
def create_workspace(
    body: WorkspaceBody, account_id: CurrentAccountId, services: ServicesDep
) -> dict[str, Any]:
    """A new workspace owned by the caller (several per installation)."""
    return _workspace_json(services.workspaces.create(account_id, body.name))


@router.get("/workspaces/current")
def current_workspace(actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """The caller's current workspace."""
    views = services.workspaces.list_for_account(actor.account_id)
    return _workspace_json(next(v for v in views if v.id == actor.tenant_id))


@router.post("/workspaces/current/name")
def rename_workspace(
    body: WorkspaceBody, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """Rename the current workspace (owner, admin)."""
    return _workspace_json(services.workspaces.rename(actor, body.name))


@router.post("/workspaces/switch")
def switch_workspace(
    body: SwitchBody, account_id: CurrentAccountId, services: ServicesDep
) -> dict[str, Any]:
    """Make another of the caller's workspaces the current one."""
    actor = services.workspaces.switch(account_id, body.tenant_id)
    return {"result": "success", "new_tenant": {"id": actor.tenant_id, "role": actor.role}}


@router.get("/workspaces/current/members")
def members(actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """Members of the current workspace."""
    return {
        "result": "success",
        "accounts": [
            {
                "id": m.id,
                "name": m.name,
                "email": m.email,
                "role": m.role,
                "status": m.status,
                "last_login_at": unix_seconds(m.last_login_at),
                "created_at": unix_seconds(m.created_at),
            }
            for m in services.workspaces.members(actor)
        ],
    }


@router.post("/workspaces/current/members/invite-email", status_code=201)
def invite(body: InviteBody, actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """Invite emails; each result carries a one-time activation token."""
    results = services.workspaces.invite(actor, body.emails, body.role)
    return {
        "result": "success",
        "invitation_results": [
            {
                "status": r.status,
                "email": r.email,
                "token": r.token or None,
                "url": f"/activate?token={r.token}" if r.token else None,
            }
            for r in results
        ],
    }


@router.put("/workspaces/current/members/{member_id}/update-role")
def update_role(
    member_id: str, body: RoleBody, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """Change a member's role (owner only)."""
    services.workspaces.update_role(actor, member_id, body.role)
    return {"result": "success"}


@router.delete("/workspaces/current/members/{member_id}", status_code=204)
def remove_member(member_id: str, actor: CurrentActor, services: ServicesDep) -> Response:
    """Remove a member (owner only)."""
    services.workspaces.remove_member(actor, member_id)
    return Response(status_code=204)
