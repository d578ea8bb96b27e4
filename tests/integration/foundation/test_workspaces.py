"""Workspaces, members, invitations and roles."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.foundation.conftest import (
    PASSWORD,
    User,
    assert_dify_error,
    invite_and_join,
    login,
)


def test_several_workspaces_and_switching(owner: User) -> None:
    created = owner.post("/workspaces", {"name": "Beta"})
    assert created.status_code == 201
    beta = created.json()["id"]
    assert owner.get("/workspaces/current").json()["name"] == "Beta"
    names = sorted(w["name"] for w in owner.get("/workspaces").json()["workspaces"])
    assert names == ["Alpha", "Beta"]
    alpha = next(
        w["id"] for w in owner.get("/workspaces").json()["workspaces"] if w["name"] == "Alpha"
    )
    assert owner.post("/workspaces/switch", {"tenant_id": alpha}).status_code == 200
    assert owner.get("/workspaces/current").json()["id"] == alpha
    # apps are per workspace
    owner.post("/apps", {"name": "in alpha", "mode": "chat"})
    owner.post("/workspaces/switch", {"tenant_id": beta})
    assert owner.get("/apps").json()["total"] == 0


def test_invite_activate_and_member_list(owner: User) -> None:
    editor = invite_and_join(owner, "ed@example.com", "editor")
    members = {
        m["email"]: m["role"] for m in owner.get("/workspaces/current/members").json()["accounts"]
    }
    assert members == {"owner@example.com": "owner", "ed@example.com": "editor"}
    assert editor.get("/workspaces/current").json()["role"] == "editor"


def test_invitation_token_works_once(owner: User, client: TestClient) -> None:
    token = owner.post(
        "/workspaces/current/members/invite-email", {"emails": ["x@example.com"], "role": "normal"}
    ).json()["invitation_results"][0]["token"]
    body = {"token": token, "name": "X", "password": PASSWORD}
    assert client.post("/console/api/activate", json=body).status_code == 200
    assert_dify_error(client.post("/console/api/activate", json=body), 401, "invalid_invitation")
    assert_dify_error(client.post("/console/api/activate", json={**body, "token": "nope"}), 401)


def test_existing_account_accepts_when_signed_in(owner: User, client: TestClient) -> None:
    member = invite_and_join(owner, "m@example.com", "normal")
    owner.post("/workspaces", {"name": "Beta"})  # the new workspace becomes current
    token = owner.post(
        "/workspaces/current/members/invite-email", {"emails": ["m@example.com"], "role": "editor"}
    ).json()["invitation_results"][0]["token"]
    # creating a second account for the same email is refused
    assert_dify_error(
        client.post(
            "/console/api/activate", json={"token": token, "name": "M", "password": PASSWORD}
        ),
        409,
        "account_exists",
    )
    assert owner.post("/workspaces/invitations/accept", {"token": token}).status_code == 403
    assert member.post("/workspaces/invitations/accept", {"token": token}).status_code == 200
    roles = {w["name"]: w["role"] for w in member.get("/workspaces").json()["workspaces"]}
    assert roles == {"Alpha": "normal", "Beta": "editor"}


def test_roles_gate_actions(owner: User) -> None:
    admin = invite_and_join(owner, "admin@example.com", "admin")
    normal = invite_and_join(owner, "normal@example.com", "normal")
    operator = invite_and_join(owner, "ops@example.com", "dataset_operator")
    # normal users see apps but cannot change them; dataset operators do not see apps
    app_id = owner.post("/apps", {"name": "A", "mode": "chat"}).json()["id"]
    assert normal.get("/apps").status_code == 200
    assert_dify_error(normal.post("/apps", {"name": "B", "mode": "chat"}), 403)
    assert_dify_error(normal.delete(f"/apps/{app_id}"), 403)
    assert_dify_error(normal.post(f"/apps/{app_id}/api-keys"), 403)
    assert_dify_error(operator.get("/apps"), 403)
    # admins invite (but not admins) and manage knowledge keys; only the owner changes roles
    assert (
        admin.post(
            "/workspaces/current/members/invite-email",
            {"emails": ["n2@example.com"], "role": "normal"},
        ).status_code
        == 201
    )
    assert_dify_error(
        admin.post(
            "/workspaces/current/members/invite-email",
            {"emails": ["a2@example.com"], "role": "admin"},
        ),
        403,
    )
    assert admin.post("/datasets/api-keys").status_code == 201
    normal_id = normal.get("/account/profile").json()["id"]
    assert_dify_error(
        admin.put(f"/workspaces/current/members/{normal_id}/update-role", {"role": "editor"}), 403
    )
    assert (
        owner.put(
            f"/workspaces/current/members/{normal_id}/update-role", {"role": "editor"}
        ).status_code
        == 200
    )
    assert normal.post("/apps", {"name": "B", "mode": "chat"}).status_code == 201
    # nobody changes the owner's role or removes the owner
    owner_id = owner.get("/account/profile").json()["id"]
    assert_dify_error(
        owner.put(f"/workspaces/current/members/{owner_id}/update-role", {"role": "admin"}), 403
    )
    assert_dify_error(owner.delete(f"/workspaces/current/members/{owner_id}"), 400)
    assert_dify_error(
        owner.put(f"/workspaces/current/members/{normal_id}/update-role", {"role": "owner"}), 400
    )


def test_removed_member_loses_access(owner: User, client: TestClient) -> None:
    editor = invite_and_join(owner, "ed@example.com", "editor")
    editor_id = editor.get("/account/profile").json()["id"]
    assert owner.delete(f"/workspaces/current/members/{editor_id}").status_code == 204
    assert_dify_error(editor.get("/apps"), 403)
    # the account still exists and can sign in, it just has no workspace
    assert login(client, "ed@example.com").token
