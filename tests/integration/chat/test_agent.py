"""Agent-chat apps: function calling with built-in tools, ReAct fallback, SSRF-guarded fetch."""

from __future__ import annotations

import json

from tests.dify_spec import SERVICE_SPEC, assert_valid
from tests.integration.chat.conftest import UPSTREAM_KEY, ChatApp, make_app, sse_events
from tests.integration.foundation.conftest import User
from yarrow.testing.fake_openai import MODEL

TOOLS = {
    "enabled": True,
    "strategy": "function_call",
    "max_iteration": 3,
    "tools": [
        {
            "enabled": True,
            "provider_type": "builtin",
            "provider_id": "time",
            "tool_name": "current_time",
            "tool_parameters": {},
        },
        {
            "enabled": True,
            "provider_type": "builtin",
            "provider_id": "webscraper",
            "tool_name": "webscraper",
            "tool_parameters": {},
        },
        {
            "enabled": True,
            "provider_type": "builtin",
            "provider_id": "chart",
            "tool_name": "bar_chart",
            "tool_parameters": {},
        },
    ],
}
PROVIDER = "/workspaces/current/model-providers/openai_api_compatible/credentials"


def _agent(owner: User, upstream: str, tool_calling: bool) -> ChatApp:
    calling = "tool_call" if tool_calling else "no_call"
    assert (
        owner.post(
            PROVIDER,
            {
                "credentials": {
                    "endpoint_url": upstream,
                    "api_key": UPSTREAM_KEY,
                    "model_names": MODEL,
                    "function_calling_type": calling,
                }
            },
        ).status_code
        == 200
    )
    return make_app(owner, mode="agent-chat", config={"agent_mode": TOOLS})


def test_function_calling_agent_uses_a_tool(owner: User, upstream: str) -> None:
    app = _agent(owner, upstream, tool_calling=True)
    query = 'What time is it? [call:current_time {"timezone": "UTC"}]'
    events = sse_events(
        app.post(
            "/chat-messages",
            {"query": query, "inputs": {}, "user": "u", "response_mode": "streaming"},
        )
    )
    names = [e["event"] for e in events]
    assert names[0] == "agent_thought" and names[-1] == "message_end"
    assert set(names[1:-1]) == {"agent_message"}
    thought = events[0]
    assert thought["tool"] == "current_time" and thought["position"] == 1
    assert json.loads(thought["tool_input"]) == {"current_time": {"timezone": "UTC"}}
    observation = json.loads(thought["observation"])["current_time"]
    assert observation.endswith("UTC") and observation[:2] == "20"
    answer = "".join(e["answer"] for e in events if e["event"] == "agent_message")
    assert answer.startswith("Observed: 20")
    if SERVICE_SPEC.is_file():
        assert_valid("StreamEventChatAgentThought", thought)
        assert_valid("StreamEventChatAgentMessage", events[1])
    history = app.get("/messages", conversation_id=thought["conversation_id"], user="u").json()
    stored = history["data"][0]["agent_thoughts"]
    assert [t["tool"] for t in stored] == ["current_time"] and stored[0]["observation"]


def test_tool_errors_are_reported_to_the_model(owner: User, upstream: str) -> None:
    app = _agent(owner, upstream, tool_calling=True)
    cases = {
        '[call:webscraper {"url": "http://127.0.0.1:5432/"}]': "may not be fetched",
        '[call:webscraper {"url": "http://169.254.169.254/latest/"}]': "may not be fetched",
        '[call:webscraper {"url": "file:///etc/passwd"}]': "http(s) URL",
        "[call:bar_chart {}]": "no tool named",
        '[call:current_time {"timezone": "Mars/Olympus"}]': "unknown time zone",
    }
    for query, expected in cases.items():
        body = app.post("/chat-messages", {"query": query, "inputs": {}, "user": "u"}).json()
        assert expected in body["answer"], (query, body["answer"])


def test_react_fallback_for_models_without_tool_calling(owner: User, upstream: str) -> None:
    app = _agent(owner, upstream, tool_calling=False)
    query = '[react:current_time {"timezone": "Europe/Paris"}]'
    events = sse_events(
        app.post(
            "/chat-messages",
            {"query": query, "inputs": {}, "user": "u", "response_mode": "streaming"},
        )
    )
    thoughts = [e for e in events if e["event"] == "agent_thought"]
    assert len(thoughts) == 1 and thoughts[0]["tool"] == "current_time"
    assert "CE" in json.loads(thoughts[0]["observation"])["current_time"]  # CET or CEST
    answer = "".join(e["answer"] for e in events if e["event"] == "agent_message")
    assert answer.startswith("20") and events[-1]["event"] == "message_end"


def test_agent_without_tools_is_a_plain_chat(owner: User, upstream: str) -> None:
    assert (
        owner.post(
            PROVIDER, {"credentials": {"endpoint_url": upstream, "api_key": UPSTREAM_KEY}}
        ).status_code
        == 200
    )
    app = make_app(owner, mode="agent-chat")
    events = sse_events(
        app.post(
            "/chat-messages",
            {"query": "plain", "inputs": {}, "user": "u", "response_mode": "streaming"},
        )
    )
    assert {e["event"] for e in events} == {"agent_message", "message_end"}
