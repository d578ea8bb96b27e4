"""A fresh workspace chats at once through the built-in `local` provider (real llama.cpp child
and the real Gemma 3 270M base model). The model is a base model: assert on plumbing, not words."""

from __future__ import annotations

import pytest

from tests.integration.chat.conftest import ChatApp, sse_events
from tests.integration.foundation.conftest import User

pytestmark = pytest.mark.slow


def _app_without_model(owner: User) -> ChatApp:
    app_id = owner.post("/apps", {"name": "local chat", "mode": "chat"}).json()["id"]
    config = {
        "pre_prompt": "Answer briefly.",
        "model": {"completion_params": {"max_tokens": 12, "temperature": 0}},
    }
    assert owner.post(f"/apps/{app_id}/model-config", config).status_code == 200
    key = owner.post(f"/apps/{app_id}/api-keys").json()["token"]
    return ChatApp(owner.client, app_id, key)


def test_default_local_model_answers(owner: User, db_env: dict[str, str]) -> None:
    if db_env["DB_TYPE"] != "sqlite":
        pytest.skip("one database is enough to exercise the local model")
    app = _app_without_model(owner)
    blocking = app.post(
        "/chat-messages", {"query": "The capital of France is", "inputs": {}, "user": "u"}
    )
    assert blocking.status_code == 200, blocking.text
    body = blocking.json()
    assert body["answer"].strip()
    usage = body["metadata"]["usage"]
    # llama.cpp may count one token past max_tokens (the stop token)
    assert 0 < usage["completion_tokens"] <= 13 and usage["prompt_tokens"] > 0
    events = sse_events(
        app.post(
            "/chat-messages",
            {
                "query": "Count: one, two,",
                "inputs": {},
                "user": "u",
                "response_mode": "streaming",
                "conversation_id": body["conversation_id"],
            },
        )
    )
    assert events[-1]["event"] == "message_end"
    assert [e["event"] for e in events[:-1]] and all(e["event"] == "message" for e in events[:-1])
    history = app.get("/messages", conversation_id=body["conversation_id"], user="u").json()
    assert len(history["data"]) == 2 and all(m["status"] == "normal" for m in history["data"])
