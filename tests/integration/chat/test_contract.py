"""Responses and stream events of the chat routes validate against Dify's openapi_service.json."""

from __future__ import annotations

import pytest

from tests.dify_spec import SERVICE_SPEC, assert_valid
from tests.integration.chat.conftest import make_app, sse_events
from tests.integration.foundation.conftest import User

pytestmark = pytest.mark.skipif(not SERVICE_SPEC.is_file(), reason="Dify spec not beside repo")

CHAT_EVENTS = {
    "message": "StreamEventChatMessage",
    "message_end": "StreamEventChatMessageEnd",
    "error": "StreamEventChatError",
    "agent_message": "StreamEventChatAgentMessage",
}
COMPLETION_EVENTS = {
    "message": "StreamEventMessage",
    "message_end": "StreamEventMessageEnd",
    "error": "CompletionStreamEventError",
}


def test_chat_family_routes(configured: User) -> None:
    app = make_app(configured, config={"suggested_questions": ["a?"]})
    blocking = app.post("/chat-messages", {"query": "hi", "inputs": {}, "user": "u"}).json()
    assert_valid("ChatCompletionResponse", blocking)
    cid = blocking["conversation_id"]
    app.post(f"/messages/{blocking['id']}/feedbacks", {"rating": "like", "user": "u"})
    assert_valid(
        "ConversationHistoryResponse", app.get("/messages", conversation_id=cid, user="u").json()
    )
    assert_valid("ConversationsListResponse", app.get("/conversations", user="u").json())
    assert_valid(
        "ConversationListItem",
        app.post(f"/conversations/{cid}/name", {"name": "n", "user": "u"}).json(),
    )
    assert_valid("AppParametersResponse", app.get("/parameters", user="u").json())
    assert_valid("AppInfoResponse", app.get("/info").json())
    assert_valid("AppMetaResponse", app.get("/meta").json())
    assert_valid("WebAppSettingsResponse", app.get("/site").json())
    assert_valid("AppFeedbacksResponse", app.get("/app/feedbacks").json())


def test_chat_stream_events(configured: User) -> None:
    app = make_app(configured)
    events = sse_events(
        app.post(
            "/chat-messages",
            {"query": "a b", "inputs": {}, "user": "u", "response_mode": "streaming"},
        )
    )
    events += sse_events(
        app.post(
            "/chat-messages",
            {"query": "[fail:500]", "inputs": {}, "user": "u", "response_mode": "streaming"},
        )
    )
    assert {e["event"] for e in events} == {"message", "message_end", "error"}
    for event in events:
        assert_valid(CHAT_EVENTS[event["event"]], event)


def test_completion_routes_and_events(configured: User) -> None:
    app = make_app(configured, mode="completion")
    blocking = app.post("/completion-messages", {"inputs": {}, "query": "x", "user": "u"}).json()
    assert_valid("CompletionResponse", blocking)
    events = sse_events(
        app.post(
            "/completion-messages",
            {"inputs": {}, "query": "y z", "user": "u", "response_mode": "streaming"},
        )
    )
    for event in events:
        assert_valid(COMPLETION_EVENTS[event["event"]], event)
