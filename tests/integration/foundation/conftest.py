"""Fixtures: one suite on SQLite, PostgreSQL and MariaDB, over real HTTP via TestClient."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from tests.databases import BACKENDS, temporary_database
from yarrow.api.app import create_app
from yarrow.db.base import Base
from yarrow.db.migrate import upgrade_to_head
from yarrow.entrypoints.wiring import Process, build_process
from yarrow.settings import Settings, load_settings

PASSWORD = "s3cret-passw0rd"


@pytest.fixture(scope="session", params=BACKENDS)
def db_env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    with temporary_database(request.param, tmp_path_factory.mktemp("sqlite")) as env:
        yield env


@pytest.fixture(scope="session")
def settings(db_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Settings:
    environ = {
        **db_env,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "YARROW_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        "SQLALCHEMY_POOL_SIZE": "5",
        "YARROW_MAX_REQUEST_BODY_MB": "1",
    }
    return load_settings(embedded=False, environ=environ)


@pytest.fixture(scope="session")
def process(settings: Settings) -> Iterator[Process]:
    built = build_process(settings)
    upgrade_to_head(built.database)
    yield built
    built.database.dispose()


@pytest.fixture(autouse=True)
def clean_tables(process: Process) -> None:
    with process.database.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))


@pytest.fixture
def client(process: Process) -> Iterator[TestClient]:
    with TestClient(create_app(process.services), raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class User:
    """A signed-in console user with bearer headers."""

    client: TestClient
    email: str
    token: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(f"/console/api{path}", headers=self.headers, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(f"/console/api{path}", json=json, headers=self.headers, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.put(f"/console/api{path}", json=json, headers=self.headers, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(f"/console/api{path}", headers=self.headers, **kw)


def login(client: TestClient, email: str, password: str = PASSWORD) -> User:
    response = client.post("/console/api/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    client.cookies.clear()
    return User(client, email, response.json()["data"]["access_token"])


@pytest.fixture
def owner(client: TestClient) -> User:
    response = client.post(
        "/console/api/setup",
        json={
            "email": "owner@example.com",
            "name": "Owner",
            "password": PASSWORD,
            "workspace_name": "Alpha",
        },
    )
    assert response.status_code == 201, response.text
    return login(client, "owner@example.com")


def invite_and_join(inviter: User, email: str, role: str) -> User:
    """Invite ``email`` with ``role``, activate the new account, and sign it in."""
    response = inviter.post(
        "/workspaces/current/members/invite-email", {"emails": [email], "role": role}
    )
    assert response.status_code == 201, response.text
    token = response.json()["invitation_results"][0]["token"]
    response = inviter.client.post(
        "/console/api/activate",
        json={"token": token, "name": email.split("@")[0], "password": PASSWORD},
    )
    assert response.status_code == 200, response.text
    return login(inviter.client, email)


def assert_dify_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is a Dify-shaped error with ``status`` (and ``code`` when given)."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("code"), str) and body["code"]
    assert isinstance(body.get("message"), str) and body["message"]
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body
