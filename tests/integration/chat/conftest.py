"""Chat apps over the Service API, against the deterministic OpenAI-compatible test server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.databases import temporary_database
from tests.integration.foundation.conftest import (  # noqa: F401 - fixtures re-used here
    User,
    clean_tables,
    client,
    owner,
    process,
    settings,
)
from yarrow.testing.fake_openai import MODEL, serve_in_thread

UPSTREAM_KEY = "sk-upstream-test-key"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    with temporary_database(request.param, Path(tmp_path_factory.mktemp("sqlite"))) as env:
        yield env


@pytest.fixture(scope="session")
def upstream() -> Iterator[str]:
    with serve_in_thread(free_port(), api_key=UPSTREAM_KEY) as url:
        yield url


@pytest.fixture
def configured(owner: User, upstream: str) -> User:
    response = owner.post(
        "/workspaces/current/model-providers/openai_api_compatible/credentials",
        {"credentials": {"endpoint_url": upstream, "api_key": UPSTREAM_KEY, "model_names": MODEL}},
    )
    assert response.status_code == 200, response.text
    return owner


class ChatApp:
    """An app with a key, called through /v1 like an SDK would."""

    def __init__(self, client: TestClient, app_id: str, key: str) -> None:
        self.client, self.id, self.key = client, app_id, key

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def post(self, path: str, json: Any) -> Any:
        return self.client.post(f"/v1{path}", json=json, headers=self.headers)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/v1{path}", params=params, headers=self.headers)

    def delete(self, path: str, json: Any = None) -> Any:
        return self.client.request("DELETE", f"/v1{path}", json=json, headers=self.headers)


def make_app(
    user: User, mode: str = "chat", config: dict[str, Any] | None = None, model: bool = True
) -> ChatApp:
    app_id = user.post("/apps", {"name": f"{mode} app", "mode": mode}).json()["id"]
    body: dict[str, Any] = {
        "pre_prompt": "You help {{name}}.",
        "user_input_form": [
            {
                "text-input": {
                    "label": "Name",
                    "variable": "name",
                    "required": False,
                    "max_length": 20,
                    "default": "friend",
                }
            }
        ],
        **(config or {}),
    }
    if model:
        body["model"] = {
            "provider": "openai_api_compatible",
            "name": MODEL,
            "completion_params": {"temperature": 0.1},
        }
    if mode in ("chat", "completion", "agent-chat"):
        assert user.post(f"/apps/{app_id}/model-config", body).status_code == 200
    key = user.post(f"/apps/{app_id}/api-keys").json()["token"]
    return ChatApp(user.client, app_id, key)


def sse_events(response: Any) -> list[dict[str, Any]]:
    """Parse a Dify SSE body into its data events (pings are skipped)."""
    import json

    assert response.headers["content-type"].startswith("text/event-stream")
    events = []
    for frame in response.text.split("\n\n"):
        if frame.startswith("data: "):
            events.append(json.loads(frame[len("data: ") :]))
        else:
            assert frame in ("", "event: ping"), frame
    return events
