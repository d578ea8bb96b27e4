"""``/v1/workflows/run`` (blocking, streaming), run lookup, logs and stop, per Dify's schemas."""

from __future__ import annotations

import json
from typing import Any

from tests.dify_spec import assert_valid
from tests.integration.workflows.conftest import (
    START,
    ChatApp,
    User,
    document,
    echo_workflow,
    edge,
    import_app,
    llm_node,
    node,
    sse_events,
)

STREAM_SCHEMAS = {
    "workflow_started": "WorkflowStreamEventWorkflowStarted",
    "node_started": "WorkflowStreamEventNodeStarted",
    "node_finished": "WorkflowStreamEventNodeFinished",
    "workflow_finished": "WorkflowStreamEventWorkflowFinished",
    "iteration_started": "WorkflowStreamEventIterationStarted",
    "iteration_next": "WorkflowStreamEventIterationNext",
    "iteration_completed": "WorkflowStreamEventIterationCompleted",
}


def run(app: ChatApp, inputs: dict[str, Any], mode: str = "blocking", user: str = "u1") -> Any:
    return app.post("/workflows/run", {"inputs": inputs, "user": user, "response_mode": mode})


def test_blocking_run_answers_with_the_end_outputs(configured: User) -> None:
    app = import_app(configured, echo_workflow())
    assert app.imported["status"] == "completed", app.imported  # type: ignore[attr-defined]
    response = run(app, {"name": "Ada"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert_valid("WorkflowBlockingResponse", body)
    data = body["data"]
    assert data["status"] == "succeeded", data
    assert data["outputs"] == {"answer": "Echo: Hello Ada", "name": "Ada"}
    assert data["total_steps"] == 3 and data["total_tokens"] > 0
    detail = app.get(f"/workflows/run/{body['workflow_run_id']}")
    assert detail.status_code == 200
    assert_valid("WorkflowRunDetailResponse", detail.json())
    assert detail.json()["status"] == "succeeded"
    assert detail.json()["outputs"]["answer"] == "Echo: Hello Ada"


def test_streaming_run_emits_dify_events(configured: User) -> None:
    app = import_app(configured, echo_workflow())
    response = run(app, {"name": "Bo"}, "streaming")
    assert response.status_code == 200, response.text
    events = sse_events(response)
    names = [e["event"] for e in events]
    assert names[0] == "workflow_started" and names[-1] == "workflow_finished"
    assert names.count("node_started") == names.count("node_finished") == 3
    assert "text_chunk" not in names or names.index("text_chunk") < names.index("workflow_finished")
    for event in events:
        if event["event"] in STREAM_SCHEMAS:
            assert_valid(STREAM_SCHEMAS[event["event"]], event)
        assert event["task_id"] == events[0]["task_id"]
        assert event["workflow_run_id"] == events[0]["workflow_run_id"]
    assert events[-1]["data"]["outputs"]["answer"] == "Echo: Hello Bo"


def test_specific_version_runs_and_unknown_version_is_404(configured: User) -> None:
    app = import_app(configured, echo_workflow())
    versions = configured.get(f"/apps/{app.id}/workflows").json()["items"]
    assert len(versions) == 1
    response = app.post(
        f"/workflows/{versions[0]['id']}/run",
        {"inputs": {"name": "Cy"}, "user": "u1", "response_mode": "blocking"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["outputs"]["name"] == "Cy"
    missing = app.post(
        "/workflows/00000000-0000-0000-0000-000000000000/run", {"inputs": {}, "user": "u1"}
    )
    assert missing.status_code == 404


def test_input_errors_are_400_before_any_run(configured: User) -> None:
    app = import_app(configured, echo_workflow())
    missing = run(app, {})
    assert missing.status_code == 400 and "name" in missing.json()["message"]
    too_long = run(app, {"name": "x" * 50})
    assert too_long.status_code == 400
    no_user = app.post("/workflows/run", {"inputs": {"name": "a"}})
    assert no_user.status_code == 400
    assert app.get("/workflows/logs").json()["total"] == 0


def test_unsupported_node_types_import_but_refuse_to_run(configured: User) -> None:
    content = document(
        "workflow",
        [START, node("h", "human-input"), node("end", "end", outputs=[])],
        [edge("start", "h"), edge("h", "end")],
    )
    app = import_app(configured, content)
    assert app.imported["status"] == "completed-with-warnings"  # type: ignore[attr-defined]
    assert "human-input" in " ".join(app.imported["warnings"])  # type: ignore[attr-defined]
    response = run(app, {"name": "a"})
    assert response.status_code == 400
    assert response.json()["code"] == "unsupported_node_types"
    assert "human-input" in response.json()["message"]


def test_wrong_mode_and_missing_run(configured: User) -> None:
    from tests.integration.chat.conftest import make_app

    chat = make_app(configured, "chat")
    response = chat.post("/workflows/run", {"inputs": {}, "user": "u"})
    assert response.status_code == 400 and response.json()["code"] == "not_workflow_app"
    app = import_app(configured, echo_workflow())
    assert app.get("/workflows/run/00000000-0000-0000-0000-000000000000").status_code == 404
    other = import_app(configured, echo_workflow())
    body = run(other, {"name": "a"}).json()
    assert app.get(f"/workflows/run/{body['workflow_run_id']}").status_code == 404


def test_failed_node_fails_the_run_and_is_recorded(configured: User) -> None:
    content = document(
        "workflow",
        [
            START,
            node(
                "code",
                "code",
                code_language="python3",
                code="def main(name: str) -> dict:\n    raise ValueError('boom ' + name)\n",
                variables=[{"variable": "name", "value_selector": ["start", "name"]}],
                outputs={"result": {"type": "string"}},
            ),
            node("end", "end", outputs=[{"variable": "r", "value_selector": ["code", "result"]}]),
        ],
        [edge("start", "code"), edge("code", "end")],
    )
    app = import_app(configured, content)
    body = run(app, {"name": "Zed"}).json()
    assert body["data"]["status"] == "failed"
    assert "boom Zed" in body["data"]["error"]
    detail = configured.get(f"/apps/{app.id}/workflow-runs/{body['workflow_run_id']}").json()
    statuses = {n["node_id"]: n["status"] for n in detail["node_executions"]}
    assert statuses == {"start": "succeeded", "code": "failed"}


def test_code_node_runs_in_the_sandbox(configured: User) -> None:
    content = document(
        "workflow",
        [
            START,
            node(
                "code",
                "code",
                code_language="python3",
                code="def main(name: str) -> dict:\n    return {'result': name.upper() * 2}\n",
                variables=[{"variable": "name", "value_selector": ["start", "name"]}],
                outputs={"result": {"type": "string"}},
            ),
            node("end", "end", outputs=[{"variable": "r", "value_selector": ["code", "result"]}]),
        ],
        [edge("start", "code"), edge("code", "end")],
    )
    app = import_app(configured, content)
    body = run(app, {"name": "ab"}).json()
    assert body["data"]["status"] == "succeeded", body
    assert body["data"]["outputs"] == {"r": "ABAB"}


def test_logs_list_runs_with_their_end_users(configured: User) -> None:
    app = import_app(configured, echo_workflow())
    run(app, {"name": "a"}, user="alice")
    run(app, {"name": "b"}, user="bob")
    run(app, {}, user="bob")  # refused before running: not logged
    logs = app.get("/workflows/logs")
    assert logs.status_code == 200
    body = logs.json()
    assert_valid("WorkflowLogsResponse", body)
    assert body["total"] == 2
    assert {d["created_by_end_user"]["session_id"] for d in body["data"]} == {"alice", "bob"}
    only_bob = app.get("/workflows/logs", created_by_end_user_session_id="bob").json()
    assert only_bob["total"] == 1
    assert app.get("/workflows/logs", status="failed").json()["total"] == 0
    paged = app.get("/workflows/logs", limit=1).json()
    assert paged["has_more"] is True and len(paged["data"]) == 1


def test_stop_ends_a_streaming_run(configured: User) -> None:
    start = node("start", "start", variables=[{"variable": "name", "type": "paragraph"}])
    content = document(
        "workflow",
        [start, llm_node("llm", "{{#start.name#}}"), node("end", "end", outputs=[])],
        [edge("start", "llm"), edge("llm", "end")],
    )
    app = import_app(configured, content)
    body = {"inputs": {"name": "[slow:0.3] a b c d e f g h"}, "user": "u1"}
    with app.client.stream(
        "POST",
        "/v1/workflows/run",
        json={**body, "response_mode": "streaming"},
        headers=app.headers,
    ) as response:
        lines = response.iter_lines()
        first = next(line for line in lines if line.startswith("data: "))
        task_id = json.loads(first[6:])["task_id"]
        other = app.post(f"/workflows/tasks/{task_id}/stop", {"user": "someone-else"})
        assert other.status_code == 200
        stopped = app.post(f"/workflows/tasks/{task_id}/stop", {"user": "u1"})
        assert stopped.json() == {"result": "success"}
        rest = [json.loads(line[6:]) for line in lines if line.startswith("data: ")]
    assert rest[-1]["event"] == "workflow_finished"
    assert rest[-1]["data"]["status"] == "stopped"
    run_id = rest[-1]["workflow_run_id"]
    assert app.get(f"/workflows/run/{run_id}").json()["status"] == "stopped"


def tool_workflow(provider: str, tool: str) -> str:
    return document(
        "workflow",
        [
            START,
            node(
                "tool",
                "tool",
                provider_id=provider,
                provider_type="builtin",
                provider_name=provider,
                tool_name=tool,
                tool_parameters={"timezone": {"type": "constant", "value": "UTC"}},
                tool_configurations={},
            ),
            node("end", "end", outputs=[{"variable": "t", "value_selector": ["tool", "text"]}]),
        ],
        [edge("start", "tool"), edge("tool", "end")],
    )


def test_builtin_tool_node_runs_and_unknown_tools_are_named(configured: User) -> None:
    app = import_app(configured, tool_workflow("langgenius/time/time", "current_time"))
    body = run(app, {"name": "a"}).json()
    assert body["data"]["status"] == "succeeded", body
    assert "UTC" in body["data"]["outputs"]["t"]
    missing = import_app(configured, tool_workflow("duckduckgo", "ddgo_search"))
    failed = run(missing, {"name": "a"}).json()["data"]
    assert failed["status"] == "failed"
    assert "duckduckgo/ddgo_search" in failed["error"] and "not available" in failed["error"]


def test_reattach_sends_the_outcome_once_the_run_ends(configured: User) -> None:
    import threading

    start = node("start", "start", variables=[{"variable": "name", "type": "paragraph"}])
    content = document(
        "workflow",
        [start, llm_node("llm", "{{#start.name#}}"), node("end", "end", outputs=[])],
        [edge("start", "llm"), edge("llm", "end")],
    )
    app = import_app(configured, content)
    done = run(app, {"name": "quick"}).json()
    events = sse_events(app.get(f"/workflow/{done['workflow_run_id']}/events", user="u1"))
    assert [e["event"] for e in events] == ["workflow_finished"]
    assert_valid("WorkflowStreamEventWorkflowFinished", events[0])
    assert events[0]["data"]["status"] == "succeeded"
    assert app.get(f"/workflow/{done['workflow_run_id']}/events", user="other").status_code == 404
    # a run still going: the reattached stream waits for its end
    body = {"inputs": {"name": "[slow:0.2] a b c d"}, "user": "u1", "response_mode": "streaming"}
    with app.client.stream("POST", "/v1/workflows/run", json=body, headers=app.headers) as stream:
        lines = stream.iter_lines()
        first = json.loads(next(line for line in lines if line.startswith("data: "))[6:])
        result: list[Any] = []
        reader = threading.Thread(
            target=lambda: result.append(
                app.get(f"/workflow/{first['workflow_run_id']}/events", user="u1")
            )
        )
        reader.start()
        for _ in lines:
            pass
    reader.join(timeout=30)
    reattached = sse_events(result[0])
    assert reattached[-1]["data"]["status"] == "succeeded"
