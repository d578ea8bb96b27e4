"""API keys in the console and their use on the Service API."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.foundation.conftest import User, assert_dify_error
from yarrow.db.models import ApiToken
from yarrow.entrypoints.wiring import Process


def test_app_keys_are_shown_once_and_stored_hashed(owner: User, process: Process) -> None:
    app_id = owner.post("/apps", {"name": "K", "mode": "chat"}).json()["id"]
    created = owner.post(f"/apps/{app_id}/api-keys")
    assert created.status_code == 201
    token = created.json()["token"]
    assert re.fullmatch(r"app-[A-Za-z0-9]{24}", token)
    listed = owner.get(f"/apps/{app_id}/api-keys").json()["data"]
    assert [k["id"] for k in listed] == [created.json()["id"]]
    assert token not in str(listed) and listed[0]["token"].endswith(token[-4:])
    with process.database.session() as session:
        stored = session.scalars(select(ApiToken)).all()
    assert all(token not in (row.token_hash, row.token_tail) for row in stored)


def test_at_most_ten_keys_per_app(owner: User) -> None:
    app_id = owner.post("/apps", {"name": "K", "mode": "chat"}).json()["id"]
    for _ in range(10):
        assert owner.post(f"/apps/{app_id}/api-keys").status_code == 201
    assert_dify_error(owner.post(f"/apps/{app_id}/api-keys"), 400, "max_keys_exceeded")
    other = owner.post("/apps", {"name": "L", "mode": "chat"}).json()["id"]
    assert owner.post(f"/apps/{other}/api-keys").status_code == 201


def test_deleted_key_stops_working(owner: User) -> None:
    app_id = owner.post("/apps", {"name": "K", "mode": "chat"}).json()["id"]
    created = owner.post(f"/apps/{app_id}/api-keys").json()
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert owner.client.get("/v1/info", headers=headers).status_code == 200
    assert owner.delete(f"/apps/{app_id}/api-keys/{created['id']}").status_code == 204
    assert_dify_error(owner.client.get("/v1/info", headers=headers), 401)


def test_dataset_keys(owner: User) -> None:
    created = owner.post("/datasets/api-keys")
    assert created.status_code == 201
    token = created.json()["token"]
    assert re.fullmatch(r"dataset-[A-Za-z0-9]{24}", token)
    # a knowledge key is not an app key
    response = owner.client.get("/v1/info", headers={"Authorization": f"Bearer {token}"})
    assert assert_dify_error(response, 401)["message"] == "Access token is invalid"
    assert owner.delete(f"/datasets/api-keys/{created.json()['id']}").status_code == 204
    assert owner.get("/datasets/api-keys").json()["data"] == []


def test_each_key_acts_only_as_its_own_app(owner: User) -> None:
    apps = {}
    for name, mode in (("First", "chat"), ("Second", "workflow")):
        app_id = owner.post("/apps", {"name": name, "mode": mode}).json()["id"]
        apps[name] = owner.post(f"/apps/{app_id}/api-keys").json()["token"]
    for name, mode in (("First", "chat"), ("Second", "workflow")):
        info = owner.client.get("/v1/info", headers={"Authorization": f"Bearer {apps[name]}"})
        assert info.json() == {
            "name": name,
            "description": "",
            "tags": [],
            "mode": mode,
            "author_name": "Owner",
        }


@pytest.mark.parametrize(
    "header, message",
    [
        (None, "Authorization header must be provided and start with 'Bearer'"),
        ("Bearer", "Authorization header must be provided and start with 'Bearer'"),
        ("Basic abc", "Authorization scheme must be 'Bearer'"),
        ("Bearer app-doesnotexist000000000000", "Access token is invalid"),
        ("bearer app-doesnotexist000000000000", "Access token is invalid"),
    ],
)
def test_service_api_auth_messages(client: TestClient, header: str | None, message: str) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get("/v1/info", headers=headers)
    body = assert_dify_error(response, 401, "unauthorized")
    assert body["message"] == message
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_welcome_document(client: TestClient) -> None:
    body = client.get("/v1/").json()
    assert body["welcome"] == "Dify OpenAPI" and body["api_version"] == "v1"
