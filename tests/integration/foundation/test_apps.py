"""App management through the console API."""

from __future__ import annotations

import pytest

from tests.integration.foundation.conftest import User, assert_dify_error

MODES = ["chat", "completion", "agent-chat", "advanced-chat", "workflow"]


@pytest.mark.parametrize("mode", MODES)
def test_create_and_get_every_mode(owner: User, mode: str) -> None:
    created = owner.post(
        "/apps",
        {
            "name": f"My {mode}",
            "mode": mode,
            "description": "d",
            "icon": "🦜",
            "icon_background": "#FFFFFF",
        },
    )
    assert created.status_code == 201, created.text
    app = created.json()
    assert app["mode"] == mode and app["icon"] == "🦜" and app["enable_api"] is True
    assert isinstance(app["created_at"], int) and len(app["id"]) == 36
    assert app["site"]["code"] and app["api_base_url"].endswith("/v1")
    assert owner.get(f"/apps/{app['id']}").json() == app


def test_list_paginates_and_filters(owner: User) -> None:
    for i in range(25):
        owner.post("/apps", {"name": f"app {i:02d}", "mode": "chat" if i % 2 else "workflow"})
    owner.post("/apps", {"name": "100% real_name", "mode": "completion"})
    first = owner.get("/apps", params={"limit": 10}).json()
    assert (first["total"], first["has_more"], len(first["data"])) == (26, True, 10)
    last = owner.get("/apps", params={"limit": 10, "page": 3}).json()
    assert (len(last["data"]), last["has_more"]) == (6, False)
    ids = {
        a["id"]
        for p in (1, 2, 3)
        for a in owner.get("/apps", params={"limit": 10, "page": p}).json()["data"]
    }
    assert len(ids) == 26
    assert owner.get("/apps", params={"mode": "chat"}).json()["total"] == 12
    assert owner.get("/apps", params={"name": "app 1"}).json()["total"] == 10
    # LIKE wildcards in the search are literal characters
    assert owner.get("/apps", params={"name": "%"}).json()["total"] == 1
    assert owner.get("/apps", params={"name": "a_p"}).json()["total"] == 0


def test_update_copy_delete(owner: User) -> None:
    app_id = owner.post("/apps", {"name": "Orig", "mode": "chat", "description": "x"}).json()["id"]
    updated = owner.put(f"/apps/{app_id}", {"name": "Renamed", "mode": "workflow"}).json()
    assert updated["name"] == "Renamed" and updated["mode"] == "chat"  # mode never changes
    copy = owner.post(f"/apps/{app_id}/copy", {})
    assert copy.status_code == 201
    assert copy.json()["name"] == "Renamed (copy)" and copy.json()["id"] != app_id
    key = owner.post(f"/apps/{app_id}/api-keys").json()["token"]
    assert owner.delete(f"/apps/{app_id}").status_code == 204
    assert_dify_error(owner.get(f"/apps/{app_id}"), 404, "app_not_found")
    info = owner.client.get("/v1/info", headers={"Authorization": f"Bearer {key}"})
    assert_dify_error(info, 401)  # its keys went with it


def test_site_and_api_switches(owner: User) -> None:
    app_id = owner.post("/apps", {"name": "S", "mode": "chat"}).json()["id"]
    key = owner.post(f"/apps/{app_id}/api-keys").json()["token"]
    headers = {"Authorization": f"Bearer {key}"}
    assert owner.client.get("/v1/info", headers=headers).status_code == 200
    assert (
        owner.post(f"/apps/{app_id}/api-enable", {"enable_api": False}).json()["enable_api"]
        is False
    )
    assert_dify_error(owner.client.get("/v1/info", headers=headers), 403, "app_api_disabled")
    assert (
        owner.post(f"/apps/{app_id}/site-enable", {"enable_site": False}).json()["enable_site"]
        is False
    )
    owner.post(f"/apps/{app_id}/api-enable", {"enable_api": True})
    assert owner.client.get("/v1/info", headers=headers).status_code == 200
