"""Chatflows (advanced-chat) on ``/v1/chat-messages``: messages, conversation variables."""

from __future__ import annotations

from typing import Any

from tests.dify_spec import assert_valid
from tests.integration.workflows.conftest import (
    PROVIDER,
    ChatApp,
    User,
    document,
    edge,
    import_app,
    node,
    sse_events,
)
from yarrow.testing.fake_openai import MODEL


def chatflow() -> str:
    """start -> assigner (turns += 1) -> llm (memory; query "<query> #<turns>") -> answer."""
    llm = node(
        "llm",
        "llm",
        model={"provider": PROVIDER, "name": MODEL, "mode": "chat", "completion_params": {}},
        prompt_template=[{"role": "system", "text": "Be brief."}],
        memory={
            "window": {"enabled": True, "size": 5},
            "query_prompt_template": "{{#sys.query#}} #{{#conversation.turns#}}",
        },
        context={"enabled": False, "variable_selector": []},
    )
    assigner = node(
        "count",
        "assigner",
        version="2",
        items=[
            {
                "variable_selector": ["conversation", "turns"],
                "input_type": "constant",
                "operation": "+=",
                "value": 1,
            }
        ],
    )
    answer = node("answer", "answer", answer="{{#llm.text#}}")
    return document(
        "advanced-chat",
        [node("start", "start", variables=[]), llm, assigner, answer],
        [edge("start", "count"), edge("count", "llm"), edge("llm", "answer")],
        conversation_variables=[
            {"id": "c1", "name": "turns", "value_type": "number", "value": 0, "description": ""}
        ],
    )


def ask(app: ChatApp, query: str, mode: str = "blocking", conversation_id: str = "") -> Any:
    body = {"query": query, "inputs": {}, "user": "u1", "response_mode": mode}
    if conversation_id:
        body["conversation_id"] = conversation_id
    return app.post("/chat-messages", body)


def test_blocking_turns_keep_conversation_variables(configured: User) -> None:
    app = import_app(configured, chatflow())
    first = ask(app, "hi")
    assert first.status_code == 200, first.text
    body = first.json()
    assert_valid("ChatCompletionResponse", body)
    assert body["mode"] == "advanced-chat"
    assert body["answer"] == "Echo: hi #1"
    second = ask(app, "again", conversation_id=body["conversation_id"])
    assert second.json()["answer"] == "Echo: again #2"
    other = ask(app, "fresh")
    assert other.json()["answer"] == "Echo: fresh #1"
    messages = app.get("/messages", conversation_id=body["conversation_id"], user="u1").json()
    assert [m["answer"] for m in messages["data"]] == [
        "Echo: hi #1",
        "Echo: again #2",
    ]


def test_streaming_sends_message_events_and_message_end(configured: User) -> None:
    app = import_app(configured, chatflow())
    response = ask(app, "stream me", "streaming")
    assert response.status_code == 200
    events = sse_events(response)
    names = [e["event"] for e in events]
    assert names[0] == "workflow_started" and names[-1] == "message_end"
    assert "workflow_finished" in names
    text = "".join(e["answer"] for e in events if e["event"] == "message")
    assert text == "Echo: stream me #1"
    schemas = {
        "message": "StreamEventChatMessage",
        "message_end": "StreamEventChatMessageEnd",
        "workflow_started": "StreamEventWorkflowStarted",
        "workflow_finished": "StreamEventWorkflowFinished",
    }
    for event in events:
        if event["event"] in schemas:
            assert_valid(schemas[event["event"]], event)
    conversation_id = events[-1]["conversation_id"]
    assert all(e["conversation_id"] == conversation_id for e in events if e["event"] == "message")


def test_chatflow_errors(configured: User) -> None:
    app = import_app(configured, chatflow())
    assert ask(app, "").status_code == 400
    unknown = ask(app, "x", conversation_id="00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404
    workflow_route = app.post("/workflows/run", {"inputs": {}, "user": "u1"})
    assert workflow_route.status_code == 400
    assert workflow_route.json()["code"] == "not_workflow_app"


def test_chat_stop_route_stops_a_chatflow(configured: User) -> None:
    import json

    app = import_app(configured, chatflow())
    body = {"query": "[slow:0.3] a b c d e f g h", "inputs": {}, "user": "u1"}
    with app.client.stream(
        "POST",
        "/v1/chat-messages",
        json={**body, "response_mode": "streaming"},
        headers=app.headers,
    ) as response:
        lines = response.iter_lines()
        first = json.loads(next(line for line in lines if line.startswith("data: "))[6:])
        stopped = app.post(f"/chat-messages/{first['task_id']}/stop", {"user": "u1"})
        assert stopped.json() == {"result": "success"}
        rest = [json.loads(line[6:]) for line in lines if line.startswith("data: ")]
    finished = [e for e in rest if e["event"] == "workflow_finished"]
    assert finished and finished[0]["data"]["status"] == "stopped"
    answer = "".join(e["answer"] for e in rest if e["event"] == "message")
    assert answer != "Echo: [slow:0.3] a b c d e f g h #1"
