"""`/v1/end-users/{id}` (app key) and `/v1/workspaces/current/models/model-types/{type}`
(knowledge key)."""

from __future__ import annotations

from sqlalchemy import select

from tests.dify_spec import SERVICE_SPEC, assert_valid
from tests.integration.chat.conftest import make_app
from tests.integration.foundation.conftest import User, assert_dify_error
from yarrow.db.models import EndUser
from yarrow.entrypoints.wiring import Process


def test_end_user_lookup(configured: User, process: Process) -> None:
    app, other = make_app(configured), make_app(configured)
    assert (
        app.post("/chat-messages", {"query": "hi", "inputs": {}, "user": "ext-42"}).status_code
        == 200
    )
    with process.database.session() as session:
        end_user_id = session.scalar(select(EndUser.id).where(EndUser.session_id == "ext-42"))
    body = app.get(f"/end-users/{end_user_id}").json()
    assert body["external_user_id"] == "ext-42" and body["type"] == "service-api"
    assert body["is_anonymous"] is False and body["app_id"] == app.id
    if SERVICE_SPEC.is_file():
        assert_valid("EndUserDetail", body)
    assert_dify_error(other.get(f"/end-users/{end_user_id}"), 404, "end_user_not_found")
    assert_dify_error(app.get("/end-users/not-a-uuid"), 404, "end_user_not_found")


def test_models_by_type_needs_a_knowledge_key(configured: User) -> None:
    key = configured.post("/datasets/api-keys").json()["token"]
    headers = {"Authorization": f"Bearer {key}"}
    response = configured.client.get(
        "/v1/workspaces/current/models/model-types/llm", headers=headers
    )
    assert response.status_code == 200, response.text
    providers = {p["provider"]: [m["model"] for m in p["models"]] for p in response.json()["data"]}
    assert "echo-1" in providers["openai_api_compatible"] and providers["local"]
    embeddings = configured.client.get(
        "/v1/workspaces/current/models/model-types/text-embedding", headers=headers
    ).json()
    assert any(p["provider"] == "local" for p in embeddings["data"])
    assert_dify_error(
        configured.client.get("/v1/workspaces/current/models/model-types/bogus", headers=headers),
        400,
    )
    app = make_app(configured)
    assert_dify_error(app.get("/workspaces/current/models/model-types/llm"), 401)
