"""Two workspaces: nothing in one is visible to, or changeable from, the other."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.foundation.conftest import PASSWORD, User, assert_dify_error, login


@pytest.fixture
def two_tenants(owner: User, client: TestClient) -> tuple[User, User, dict[str, Any]]:
    """Owner A (workspace Alpha, with an app, keys and a member) and an unrelated owner B."""
    app = owner.post("/apps", {"name": "secret app", "mode": "chat"}).json()
    app_key = owner.post(f"/apps/{app['id']}/api-keys").json()
    dataset_key = owner.post("/datasets/api-keys").json()
    token = owner.post(
        "/workspaces/current/members/invite-email",
        {"emails": ["member@example.com"], "role": "editor"},
    ).json()["invitation_results"][0]["token"]
    client.post(
        "/console/api/activate", json={"token": token, "name": "Member", "password": PASSWORD}
    )
    member_id = next(
        m["id"]
        for m in owner.get("/workspaces/current/members").json()["accounts"]
        if m["email"] == "member@example.com"
    )
    alpha = owner.get("/workspaces/current").json()["id"]
    # B: invited into nothing of A's; gets an own workspace as a fresh owner
    token_b = owner.post(
        "/workspaces/current/members/invite-email", {"emails": ["b@example.com"], "role": "normal"}
    ).json()["invitation_results"][0]["token"]
    client.post("/console/api/activate", json={"token": token_b, "name": "B", "password": PASSWORD})
    b_id = next(
        m["id"]
        for m in owner.get("/workspaces/current/members").json()["accounts"]
        if m["email"] == "b@example.com"
    )
    owner.delete(f"/workspaces/current/members/{b_id}")
    other = login(client, "b@example.com")
    other.post("/workspaces", {"name": "Bravo"})
    ids = {
        "app": app["id"],
        "app_key": app_key["id"],
        "dataset_key": dataset_key["id"],
        "member": member_id,
        "workspace": alpha,
        "app_token": app_key["token"],
    }
    return owner, other, ids


def test_other_workspace_cannot_read_or_change_anything(
    two_tenants: tuple[User, User, dict[str, Any]],
) -> None:
    owner, other, ids = two_tenants
    app = ids["app"]
    assert other.get("/apps").json()["total"] == 0
    attempts = [
        other.get(f"/apps/{app}"),
        other.put(f"/apps/{app}", {"name": "pwned"}),
        other.post(f"/apps/{app}/copy", {}),
        other.post(f"/apps/{app}/site-enable", {"enable_site": False}),
        other.post(f"/apps/{app}/api-enable", {"enable_api": False}),
        other.get(f"/apps/{app}/api-keys"),
        other.post(f"/apps/{app}/api-keys"),
        other.delete(f"/apps/{app}/api-keys/{ids['app_key']}"),
        other.delete(f"/datasets/api-keys/{ids['dataset_key']}"),
        other.put(f"/workspaces/current/members/{ids['member']}/update-role", {"role": "admin"}),
        other.delete(f"/workspaces/current/members/{ids['member']}"),
        other.delete(f"/apps/{app}"),
    ]
    for response in attempts:
        assert_dify_error(response, 404)
    assert_dify_error(other.post("/workspaces/switch", {"tenant_id": ids["workspace"]}), 403)
    # nothing changed on A's side
    mine = owner.get(f"/apps/{app}").json()
    assert (mine["name"], mine["enable_site"], mine["enable_api"]) == ("secret app", True, True)
    assert len(owner.get(f"/apps/{app}/api-keys").json()["data"]) == 1
    assert len(owner.get("/datasets/api-keys").json()["data"]) == 1
    roles = {
        m["email"]: m["role"] for m in owner.get("/workspaces/current/members").json()["accounts"]
    }
    assert roles["member@example.com"] == "editor"
    # B's dataset key list shows none of A's keys
    assert other.get("/datasets/api-keys").json()["data"] == []
    # and A's app key still only reaches A's app
    info = owner.client.get("/v1/info", headers={"Authorization": f"Bearer {ids['app_token']}"})
    assert info.json()["name"] == "secret app"
