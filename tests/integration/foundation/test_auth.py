"""First-run setup, sign-in, sessions, CSRF and throttling over HTTP."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.integration.foundation.conftest import PASSWORD, User, assert_dify_error, login
from yarrow.db.base import unix_seconds, utcnow
from yarrow.entrypoints.wiring import Process


def test_setup_happens_once(client: TestClient) -> None:
    assert client.get("/console/api/setup").json() == {"step": "not_started", "setup_at": None}
    body = {"email": "Owner@Example.com ", "name": "Owner", "password": PASSWORD}
    assert client.post("/console/api/setup", json=body).status_code == 201
    status = client.get("/console/api/setup").json()
    assert status["step"] == "finished" and isinstance(status["setup_at"], int)
    again = client.post("/console/api/setup", json={**body, "email": "other@example.com"})
    assert_dify_error(again, 409, "already_setup")
    # the email was normalised, and the first workspace exists with the owner in it
    user = login(client, "owner@example.com")
    workspaces = user.get("/workspaces").json()["workspaces"]
    assert [(w["name"], w["role"], w["current"]) for w in workspaces] == [
        ("Owner's Workspace", "owner", True)
    ]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "A", "password": PASSWORD}, "email"),
        ({"email": "not-an-email", "name": "A", "password": PASSWORD}, "email"),
        ({"email": "a@example.com", "name": "", "password": PASSWORD}, "name"),
        ({"email": "a@example.com", "name": "A" * 256, "password": PASSWORD}, "name"),
        ({"email": "a@example.com", "name": "A", "password": "short1"}, "password"),
        ({"email": "a@example.com", "name": "A", "password": "lettersonly"}, "password"),
        ({"email": "a@example.com", "name": 42, "password": PASSWORD}, "name"),
    ],
)
def test_setup_rejects_bad_input(client: TestClient, body: dict[str, object], field: str) -> None:
    body_out = assert_dify_error(client.post("/console/api/setup", json=body), 400)
    assert field in body_out["message"] or body_out.get("params") == field
    assert client.get("/console/api/setup").json()["step"] == "not_started"


def test_login_sets_cookies_and_returns_tokens(client: TestClient, owner: User) -> None:
    response = client.post(
        "/console/api/login", json={"email": "owner@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"access_token", "refresh_token", "csrf_token"}
    cookies = response.headers.get_list("set-cookie")
    access = next(c for c in cookies if c.startswith("access_token="))
    assert "HttpOnly" in access and "SameSite=lax" in access
    csrf = next(c for c in cookies if c.startswith("csrf_token="))
    assert "HttpOnly" not in csrf
    assert owner.get("/account/profile").json()["email"] == "owner@example.com"


def test_wrong_password_and_unknown_email_look_the_same(client: TestClient, owner: User) -> None:
    wrong = client.post(
        "/console/api/login", json={"email": "owner@example.com", "password": "wrong-passw0rd"}
    )
    unknown = client.post(
        "/console/api/login", json={"email": "nobody@example.com", "password": "wrong-passw0rd"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


@pytest.mark.parametrize("email", ["owner@example.com", "nobody@example.com"])
def test_repeated_failures_lock_the_email(client: TestClient, owner: User, email: str) -> None:
    for _ in range(5):
        assert (
            client.post(
                "/console/api/login", json={"email": email, "password": "wrong-passw0rd"}
            ).status_code
            == 401
        )
    locked = client.post("/console/api/login", json={"email": email, "password": PASSWORD})
    assert_dify_error(locked, 429, "login_rate_limited")


def test_refresh_rotates_and_old_refresh_token_dies(client: TestClient, owner: User) -> None:
    first = client.post(
        "/console/api/login", json={"email": "owner@example.com", "password": PASSWORD}
    ).json()["data"]
    client.cookies.clear()
    rotated = client.post(
        "/console/api/refresh-token", json={"refresh_token": first["refresh_token"]}
    )
    assert rotated.status_code == 200
    assert rotated.json()["data"]["refresh_token"] != first["refresh_token"]
    client.cookies.clear()
    replay = client.post(
        "/console/api/refresh-token", json={"refresh_token": first["refresh_token"]}
    )
    assert_dify_error(replay, 401)


def test_logout_ends_the_session(client: TestClient, owner: User) -> None:
    assert owner.post("/logout").status_code == 200
    assert_dify_error(owner.get("/account/profile"), 401)


def test_expired_and_forged_tokens_are_refused(
    client: TestClient, owner: User, process: Process
) -> None:
    key = process.settings.core.secret_key.get_secret_value()
    claims = jwt.decode(owner.token, key, algorithms=["HS256"])
    expired = jwt.encode(
        {**claims, "exp": unix_seconds(utcnow() - timedelta(minutes=1))}, key, algorithm="HS256"
    )
    forged = jwt.encode(claims, "another-secret-key-of-enough-length", algorithm="HS256")
    for token in (expired, forged, "garbage", claims["sid"]):
        response = client.get(
            "/console/api/account/profile", headers={"Authorization": f"Bearer {token}"}
        )
        assert_dify_error(response, 401)
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_cookie_session_needs_csrf_header_on_writes(client: TestClient, owner: User) -> None:
    client.post("/console/api/login", json={"email": "owner@example.com", "password": PASSWORD})
    assert client.get("/console/api/apps").status_code == 200  # safe method: no CSRF needed
    refused = client.post("/console/api/apps", json={"name": "x", "mode": "chat"})
    assert_dify_error(refused, 401, "invalid_csrf_token")
    wrong = client.post(
        "/console/api/apps", json={"name": "x", "mode": "chat"}, headers={"X-CSRF-Token": "forged"}
    )
    assert_dify_error(wrong, 401, "invalid_csrf_token")
    csrf = client.cookies["csrf_token"]
    ok = client.post(
        "/console/api/apps", json={"name": "x", "mode": "chat"}, headers={"X-CSRF-Token": csrf}
    )
    assert ok.status_code == 201


def test_init_password_guards_setup(process: Process) -> None:
    from yarrow.api.app import create_app
    from yarrow.services.container import build_services
    from yarrow.settings import load_settings

    environ = {
        "SECRET_KEY": process.settings.core.secret_key.get_secret_value(),
        "INIT_PASSWORD": "gate-keeper-1",
        "DB_TYPE": "sqlite",
        "YARROW_DATA_DIR": str(process.settings.data_dir),
    }
    gated = load_settings(embedded=False, environ=environ)
    with TestClient(create_app(build_services(gated, process.database))) as client:
        body = {"email": "a@example.com", "name": "A", "password": PASSWORD}
        assert_dify_error(client.post("/console/api/setup", json=body), 403, "init_validate_failed")
        ok = client.post("/console/api/setup", json={**body, "init_password": "gate-keeper-1"})
        assert ok.status_code == 201
