"""/v1/chat-messages and /v1/completion-messages: blocking, streaming, history, errors."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.chat.conftest import ChatApp, make_app, sse_events
from tests.integration.foundation.conftest import User, assert_dify_error


def test_blocking_chat_and_history(configured: User) -> None:
    app = make_app(configured)
    first = app.post("/chat-messages", {"query": "hello there", "inputs": {}, "user": "u1"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["event"] == "message" and body["mode"] == "chat"
    assert body["answer"] == "Echo: hello there"
    assert body["id"] == body["message_id"] and uuid.UUID(body["conversation_id"])
    usage = body["metadata"]["usage"]
    assert usage["prompt_tokens"] == 2 and usage["completion_tokens"] == 3
    assert usage["total_tokens"] == 5 and usage["currency"] == "USD"
    assert body["metadata"]["retriever_resources"] == []
    second = app.post(
        "/chat-messages",
        {"query": "again", "inputs": {}, "user": "u1", "conversation_id": body["conversation_id"]},
    ).json()
    assert second["conversation_id"] == body["conversation_id"]
    history = app.get("/messages", conversation_id=body["conversation_id"], user="u1").json()
    assert [m["query"] for m in history["data"]] == ["hello there", "again"]
    assert history["data"][1]["answer"] == "Echo: again"
    assert history["has_more"] is False and history["data"][0]["feedback"] is None
    page = app.get("/messages", conversation_id=body["conversation_id"], user="u1", limit=1)
    assert page.json()["has_more"] is True and page.json()["data"][0]["query"] == "again"
    older = app.get(
        "/messages",
        conversation_id=body["conversation_id"],
        user="u1",
        limit=1,
        first_id=second["id"],
    ).json()
    assert [m["query"] for m in older["data"]] == ["hello there"]


def test_streaming_chat_events(configured: User) -> None:
    app = make_app(configured)
    response = app.post(
        "/chat-messages",
        {"query": "one two three", "inputs": {}, "user": "u", "response_mode": "streaming"},
    )
    assert response.status_code == 200
    events = sse_events(response)
    names = [e["event"] for e in events]
    assert names[-1] == "message_end" and set(names[:-1]) == {"message"}
    assert "".join(e["answer"] for e in events[:-1]) == "Echo: one two three"
    first = events[0]
    assert {"task_id", "id", "message_id", "conversation_id", "created_at"} <= set(first)
    assert all(e["message_id"] == first["message_id"] for e in events)
    assert events[-1]["metadata"]["usage"]["completion_tokens"] == 4


def test_completion_app(configured: User) -> None:
    app = make_app(configured, mode="completion")
    blocking = app.post(
        "/completion-messages", {"inputs": {"name": "Ann"}, "query": "write", "user": "u"}
    ).json()
    assert blocking["mode"] == "completion" and "conversation_id" not in blocking
    assert blocking["answer"].startswith("Echo: ")
    streamed = sse_events(
        app.post(
            "/completion-messages",
            {"inputs": {}, "query": "abc", "user": "u", "response_mode": "streaming"},
        )
    )
    assert streamed[-1]["event"] == "message_end"
    assert all("conversation_id" not in e for e in streamed)


def test_workspace_default_model_is_used(configured: User) -> None:
    assert (
        configured.post(
            "/workspaces/current/default-model",
            {
                "model_settings": [
                    {"model_type": "llm", "provider": "openai_api_compatible", "model": "echo-1"}
                ]
            },
        ).status_code
        == 200
    )
    app = make_app(configured, model=False)
    answer = app.post("/chat-messages", {"query": "default?", "inputs": {}, "user": "u"})
    assert answer.json()["answer"] == "Echo: default?"


def test_sensitive_words_answer_without_the_model(configured: User) -> None:
    app = make_app(
        configured,
        config={
            "sensitive_word_avoidance": {
                "enabled": True,
                "type": "keywords",
                "config": {
                    "keywords": "forbidden\nsecret",
                    "inputs_config": {
                        "enabled": True,
                        "preset_response": "I cannot talk about that.",
                    },
                },
            }
        },
    )
    body = app.post(
        "/chat-messages", {"query": "tell me the SECRET", "inputs": {}, "user": "u"}
    ).json()
    assert body["answer"] == "I cannot talk about that."


def test_input_form_is_enforced(configured: User) -> None:
    app = make_app(
        configured,
        config={
            "user_input_form": [
                {
                    "select": {
                        "label": "Tone",
                        "variable": "tone",
                        "required": True,
                        "options": ["formal", "casual"],
                    }
                },
                {"text-input": {"label": "Name", "variable": "name", "max_length": 5}},
            ]
        },
    )
    base = {"query": "hi", "user": "u"}
    missing = app.post("/chat-messages", {**base, "inputs": {}})
    assert "tone is required" in assert_dify_error(missing, 400, "invalid_param")["message"]
    assert_dify_error(app.post("/chat-messages", {**base, "inputs": {"tone": "angry"}}), 400)
    assert_dify_error(
        app.post("/chat-messages", {**base, "inputs": {"tone": "formal", "name": "toolong"}}), 400
    )
    assert_dify_error(app.post("/chat-messages", {**base, "inputs": {"tone": 3}}), 400)
    ok = app.post("/chat-messages", {**base, "inputs": {"tone": "casual", "name": "Bo"}})
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"query": "hi", "inputs": {}}, 400, "invalid_param"),
        ({"query": "", "inputs": {}, "user": "u"}, 400, "invalid_param"),
        ({"query": "x" * 100_001, "inputs": {}, "user": "u"}, 400, "invalid_param"),
        (
            {"query": "hi", "inputs": {}, "user": "u", "conversation_id": "nope"},
            400,
            "invalid_param",
        ),
        (
            {
                "query": "hi",
                "inputs": {},
                "user": "u",
                "conversation_id": "00000000-0000-0000-0000-000000000000",
            },
            404,
            "not_found",
        ),
        ({"query": "hi", "inputs": [], "user": "u"}, 400, "invalid_param"),
        ({"query": "hi", "inputs": {}, "user": "u", "response_mode": "fast"}, 400, "invalid_param"),
    ],
)
def test_bad_chat_requests(
    configured: User, body: dict[str, object], status: int, code: str
) -> None:
    app = make_app(configured)
    assert_dify_error(app.post("/chat-messages", body), status, code)


def test_wrong_modes(configured: User) -> None:
    workflow = make_app(configured, mode="workflow")
    assert_dify_error(
        workflow.post("/chat-messages", {"query": "hi", "inputs": {}, "user": "u"}),
        400,
        "not_chat_app",
    )
    chat = make_app(configured)
    assert_dify_error(
        chat.post("/completion-messages", {"inputs": {}, "user": "u"}), 400, "app_unavailable"
    )
    assert_dify_error(workflow.get("/conversations", user="u"), 400, "not_chat_app")


def test_another_users_conversation_is_not_found(configured: User) -> None:
    app = make_app(configured)
    mine = app.post("/chat-messages", {"query": "mine", "inputs": {}, "user": "alice"}).json()
    cid = mine["conversation_id"]
    theirs = app.post(
        "/chat-messages", {"query": "x", "inputs": {}, "user": "bob", "conversation_id": cid}
    )
    assert_dify_error(theirs, 404, "not_found")
    assert_dify_error(app.get("/messages", conversation_id=cid, user="bob"), 404)
    assert app.get("/conversations", user="bob").json()["data"] == []
    assert_dify_error(app.delete(f"/conversations/{cid}", {"user": "bob"}), 404)
    assert_dify_error(
        app.post(f"/messages/{mine['id']}/feedbacks", {"rating": "like", "user": "bob"}), 404
    )


def test_upstream_failures(configured: User) -> None:
    app = make_app(configured)
    blocking = app.post("/chat-messages", {"query": "[fail:400] now", "inputs": {}, "user": "u"})
    assert_dify_error(blocking, 400, "completion_request_error")
    streamed = sse_events(
        app.post(
            "/chat-messages",
            {"query": "[fail:500] now", "inputs": {}, "user": "u", "response_mode": "streaming"},
        )
    )
    assert streamed[-1]["event"] == "error"
    assert streamed[-1]["code"] == "completion_request_error" and "task_id" not in streamed[-1]
    history = app.get("/messages", conversation_id=streamed[-1]["conversation_id"], user="u")
    assert history.json()["data"][0]["status"] == "error"


def test_other_app_key_cannot_reach_conversations(configured: User) -> None:
    first, second = make_app(configured), make_app(configured)
    cid = first.post("/chat-messages", {"query": "q", "inputs": {}, "user": "u"}).json()[
        "conversation_id"
    ]
    assert_dify_error(second.get("/messages", conversation_id=cid, user="u"), 404)
    assert second.get("/conversations", user="u").json()["data"] == []


def test_parameters_reflect_the_config(configured: User) -> None:
    app: ChatApp = make_app(
        configured, config={"opening_statement": "Welcome!", "suggested_questions": ["What?"]}
    )
    params = app.get("/parameters", user="u").json()
    assert params["opening_statement"] == "Welcome!"
    assert params["suggested_questions"] == ["What?"]
    assert params["user_input_form"][0]["text-input"]["variable"] == "name"
    assert params["system_parameters"]["file_size_limit"] == 15
    assert app.get("/meta").json() == {"tool_icons": {}}
    assert app.get("/site").json()["title"] == "chat app"
