"""Conversation management, feedback, stop and concurrency limits."""

from __future__ import annotations

import threading
import time

from tests.integration.chat.conftest import make_app, sse_events
from tests.integration.foundation.conftest import User, assert_dify_error


def test_list_rename_delete(configured: User) -> None:
    app = make_app(configured)
    ids = [
        app.post("/chat-messages", {"query": f"topic {i}", "inputs": {}, "user": "u"}).json()[
            "conversation_id"
        ]
        for i in range(3)
    ]
    listed = app.get("/conversations", user="u").json()
    assert [c["id"] for c in listed["data"]] == list(reversed(ids))
    assert listed["data"][0]["name"] == "topic 2"
    page = app.get("/conversations", user="u", limit=2).json()
    assert page["has_more"] is True
    rest = app.get("/conversations", user="u", limit=2, last_id=page["data"][-1]["id"]).json()
    assert [c["id"] for c in rest["data"]] == [ids[0]] and rest["has_more"] is False
    renamed = app.post(f"/conversations/{ids[0]}/name", {"name": "Renamed", "user": "u"})
    assert renamed.json()["name"] == "Renamed"
    auto = app.post(f"/conversations/{ids[0]}/name", {"auto_generate": True, "user": "u"})
    assert auto.json()["name"] == "topic 0"
    assert_dify_error(app.post(f"/conversations/{ids[0]}/name", {"user": "u"}), 400)
    assert app.delete(f"/conversations/{ids[0]}", {"user": "u"}).status_code == 204
    assert_dify_error(app.get("/messages", conversation_id=ids[0], user="u"), 404)
    assert_dify_error(app.get("/conversations", user="u", last_id=ids[0]), 404)


def test_feedback(configured: User) -> None:
    app = make_app(configured)
    message = app.post("/chat-messages", {"query": "rate me", "inputs": {}, "user": "u"}).json()
    url = f"/messages/{message['id']}/feedbacks"
    assert app.post(url, {"rating": "like", "user": "u", "content": "good"}).json() == {
        "result": "success"
    }
    history = app.get("/messages", conversation_id=message["conversation_id"], user="u").json()
    assert history["data"][0]["feedback"] == {"rating": "like"}
    feedbacks = app.get("/app/feedbacks").json()["data"]
    assert [(f["rating"], f["content"]) for f in feedbacks] == [("like", "good")]
    assert app.post(url, {"rating": None, "user": "u"}).status_code == 200
    assert app.get("/app/feedbacks").json()["data"] == []
    assert_dify_error(app.post(url, {"rating": "like"}), 400, "invalid_param")
    assert_dify_error(app.post(url, {"rating": "love", "user": "u"}), 400)
    assert_dify_error(app.get(f"/messages/{message['id']}/suggested", user="u"), 400)


def test_stop_ends_the_stream_early(configured: User) -> None:
    app = make_app(configured)
    query = "[slow:0.2] " + " ".join(f"w{i}" for i in range(40))
    results: dict[str, object] = {}

    def stream() -> None:
        results["events"] = sse_events(
            app.post(
                "/chat-messages",
                {"query": query, "inputs": {}, "user": "u", "response_mode": "streaming"},
            )
        )

    thread = threading.Thread(target=stream)
    started = time.monotonic()
    thread.start()
    task_id = None
    deadline = time.monotonic() + 10
    while task_id is None and time.monotonic() < deadline:
        time.sleep(0.2)
        task_id = _running_task(app)
    assert task_id is not None
    assert app.post(f"/chat-messages/{task_id}/stop", {"user": "someone-else"}).status_code == 200
    assert app.post(f"/chat-messages/{task_id}/stop", {"user": "u"}).json() == {"result": "success"}
    thread.join(timeout=20)
    events = results["events"]
    assert isinstance(events, list) and events[-1]["event"] == "message_end"
    answer = "".join(e.get("answer", "") for e in events)
    assert 0 < len(answer.split()) < 40 and time.monotonic() - started < 8
    assert_dify_error(app.post(f"/chat-messages/{task_id}/stop", {}), 400, "invalid_param")


def _running_task(app: object) -> str | None:
    from yarrow.services.chat.running import TaskRegistry

    registry: TaskRegistry = app.client.app.state.services.chat.tasks  # type: ignore[attr-defined]
    with registry._lock:  # test reads the live registry
        tasks = list(registry._tasks)
    return tasks[0] if tasks else None


def test_max_active_requests(configured: User) -> None:
    app = make_app(configured)
    registry = app.client.app.state.services.chat.tasks
    registry._max = 1
    try:
        holder = registry.start("t-hold", app.id, "chat app", "someone")
        blocked = app.post("/chat-messages", {"query": "hi", "inputs": {}, "user": "u"})
        assert_dify_error(blocked, 429, "too_many_requests")
        registry.finish(holder)
        assert (
            app.post("/chat-messages", {"query": "hi", "inputs": {}, "user": "u"}).status_code
            == 200
        )
    finally:
        registry._max = 0
