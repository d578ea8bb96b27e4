"""Malformed requests get a 4xx in Dify's error shape, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.foundation.conftest import User, assert_dify_error


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "x"},
        {"mode": "chat"},
        {"name": "x", "mode": "chatbot"},
        {"name": "", "mode": "chat"},
        {"name": "x" * 256, "mode": "chat"},
        {"name": ["x"], "mode": "chat"},
        {"name": "x", "mode": 3},
        {"name": "x", "mode": "chat", "description": "d" * 401},
        {"name": "x", "mode": "chat", "icon_type": "svg"},
        {"name": "   ", "mode": "chat"},
    ],
)
def test_bad_app_bodies(owner: User, body: dict[str, object]) -> None:
    assert_dify_error(owner.post("/apps", body), 400)
    assert owner.get("/apps").json()["total"] == 0


def test_invalid_json_and_wrong_content(owner: User) -> None:
    raw = owner.client.post(
        "/console/api/apps",
        content=b"{not json",
        headers={**owner.headers, "Content-Type": "application/json"},
    )
    assert_dify_error(raw, 400, "bad_request")
    listed = owner.client.post("/console/api/apps", json=["a", "b"], headers=owner.headers)
    assert_dify_error(listed, 400)
    empty = owner.client.post("/console/api/apps", headers=owner.headers)
    assert_dify_error(empty, 400)


def test_bad_query_parameters(owner: User) -> None:
    for params in ({"page": 0}, {"limit": 0}, {"limit": 101}, {"page": "x"}, {"mode": "nope"}):
        assert_dify_error(owner.get("/apps", params=params), 400)


def test_unknown_ids_and_routes(owner: User, client: TestClient) -> None:
    assert_dify_error(owner.get("/apps/00000000-0000-0000-0000-000000000000"), 404)
    assert_dify_error(owner.get("/apps/not-a-uuid"), 404)
    assert_dify_error(owner.delete("/apps/x/api-keys/y"), 404)
    for path in (
        "/mcp/server/abc/mcp",
        "/triggers/webhook/abc",
        "/e/hook",
        "/v1/nothing",
        "/console/api/nothing",
        "/api/nothing",
    ):
        assert_dify_error(client.get(path), 404, "not_found")
    assert_dify_error(client.delete("/v1/"), 405, "method_not_allowed")


def test_unauthenticated_console_routes(client: TestClient) -> None:
    for method, path in (
        ("GET", "/apps"),
        ("POST", "/apps"),
        ("GET", "/workspaces"),
        ("GET", "/account/profile"),
        ("POST", "/logout"),
        ("GET", "/datasets/api-keys"),
    ):
        assert_dify_error(client.request(method, f"/console/api{path}"), 401)


def test_oversized_body_is_refused(owner: User) -> None:
    big = {"name": "x", "mode": "chat", "description": "d" * (2 << 20)}
    assert_dify_error(owner.post("/apps", big), 413, "request_entity_too_large")

    def chunks():  # no Content-Length: the limit still holds while the body streams in
        yield b'{"name": "x", "mode": "chat", "description": "'
        for _ in range(3):
            yield b"d" * (1 << 20)
        yield b'"}'

    streamed = owner.client.post(
        "/console/api/apps",
        content=chunks(),
        headers={**owner.headers, "Content-Type": "application/json"},
    )
    assert_dify_error(streamed, 413)
    assert owner.get("/apps").json()["total"] == 0


def test_bad_member_and_workspace_input(owner: User) -> None:
    assert_dify_error(
        owner.post("/workspaces/current/members/invite-email", {"emails": [], "role": "normal"}),
        400,
    )
    assert_dify_error(
        owner.post(
            "/workspaces/current/members/invite-email",
            {"emails": ["x@example.com"], "role": "superuser"},
        ),
        400,
    )
    assert_dify_error(
        owner.post(
            "/workspaces/current/members/invite-email", {"emails": ["nope"], "role": "normal"}
        ),
        400,
    )
    assert_dify_error(owner.post("/workspaces", {"name": ""}), 400)
    assert_dify_error(owner.post("/workspaces/switch", {"tenant_id": "missing"}), 403)
