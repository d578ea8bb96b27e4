"""Console drafts: optimistic saves, publish, versions, restore, secrets, debug runs, history."""

from __future__ import annotations

from typing import Any

import yaml

from tests.integration.workflows.conftest import (
    START,
    User,
    document,
    echo_workflow,
    edge,
    import_app,
    node,
)


def graph(end_outputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "nodes": [START, node("end", "end", outputs=end_outputs)],
        "edges": [edge("start", "end")],
    }


def new_workflow_app(user: User) -> str:
    response = user.post("/apps", {"name": "wf", "mode": "workflow"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_draft_save_is_optimistic(owner: User) -> None:
    app_id = new_workflow_app(owner)
    assert owner.get(f"/apps/{app_id}/workflows/draft").status_code == 404
    first = owner.post(f"/apps/{app_id}/workflows/draft", {"graph": graph([])})
    assert first.status_code == 200, first.text
    revision = first.json()["revision"]
    ok = owner.post(f"/apps/{app_id}/workflows/draft", {"graph": graph([]), "revision": revision})
    assert ok.status_code == 200 and ok.json()["revision"] == revision + 1
    stale = owner.post(
        f"/apps/{app_id}/workflows/draft", {"graph": graph([]), "revision": revision}
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "draft_workflow_not_sync"
    no_revision = owner.post(f"/apps/{app_id}/workflows/draft", {"graph": graph([])})
    assert no_revision.status_code == 409
    draft = owner.get(f"/apps/{app_id}/workflows/draft").json()
    assert draft["revision"] == revision + 1 and draft["version"] == "draft"


def test_publish_versions_and_restore(owner: User) -> None:
    app_id = new_workflow_app(owner)
    one = [{"variable": "v", "value_selector": ["start", "name"]}]
    rev = owner.post(f"/apps/{app_id}/workflows/draft", {"graph": graph(one)}).json()["revision"]
    first = owner.post(f"/apps/{app_id}/workflows/publish", {"marked_name": "v1"})
    assert first.status_code == 200, first.text
    owner.post(f"/apps/{app_id}/workflows/draft", {"graph": graph([]), "revision": rev})
    second = owner.post(f"/apps/{app_id}/workflows/publish", {})
    versions = owner.get(f"/apps/{app_id}/workflows").json()["items"]
    assert [v["id"] for v in versions] == [second.json()["id"], first.json()["id"]]
    assert versions[1]["marked_name"] == "v1"
    restored = owner.post(f"/apps/{app_id}/workflows/{first.json()['id']}/restore")
    assert restored.status_code == 200, restored.text
    draft = owner.get(f"/apps/{app_id}/workflows/draft").json()
    assert draft["graph"]["nodes"][1]["data"]["outputs"] == one
    # the published versions did not change
    again = owner.get(f"/apps/{app_id}/workflows").json()["items"]
    assert again[0]["graph"]["nodes"][1]["data"]["outputs"] == []


def test_publish_refuses_an_invalid_graph(owner: User) -> None:
    app_id = new_workflow_app(owner)
    cyclic = {
        "nodes": [START, node("a", "end", outputs=[])],
        "edges": [edge("start", "a"), edge("a", "start")],
    }
    assert owner.post(f"/apps/{app_id}/workflows/draft", {"graph": cyclic}).status_code == 200
    response = owner.post(f"/apps/{app_id}/workflows/publish", {})
    assert response.status_code == 400
    assert owner.get(f"/apps/{app_id}/workflows").json()["items"] == []


def test_chat_apps_have_no_workflow(owner: User) -> None:
    app_id = owner.post("/apps", {"name": "c", "mode": "chat"}).json()["id"]
    response = owner.post(f"/apps/{app_id}/workflows/draft", {"graph": graph([])})
    assert response.status_code == 400 and response.json()["code"] == "not_workflow_app"


def test_secret_environment_values_never_leave(owner: User) -> None:
    env = [
        {"name": "token", "value": "s3cr3t-value", "value_type": "secret", "id": "e1"},
        {"name": "region", "value": "eu", "value_type": "string", "id": "e2"},
    ]
    content = document(
        "workflow",
        [
            START,
            node(
                "end",
                "end",
                outputs=[{"variable": "t", "value_selector": ["env", "token"]}],
            ),
        ],
        [edge("start", "end")],
        environment_variables=env,
    )
    app = import_app(owner, content)
    draft = owner.get(f"/apps/{app.id}/workflows/draft").json()
    assert "s3cr3t-value" not in str(draft)
    # saving the mask back keeps the stored secret
    saved = owner.post(
        f"/apps/{app.id}/workflows/draft",
        {
            "graph": draft["graph"],
            "environment_variables": draft["environment_variables"],
            "revision": draft["revision"],
        },
    )
    assert saved.status_code == 200
    owner.post(f"/apps/{app.id}/workflows/publish", {})
    body = app.post("/workflows/run", {"inputs": {"name": "a"}, "user": "u"}).json()
    assert body["data"]["outputs"] == {"t": "s3cr3t-value"}  # the run sees it
    exported = owner.get(f"/apps/{app.id}/export").json()["data"]
    assert "s3cr3t-value" not in exported
    assert "eu" in exported


def test_export_then_import_gives_the_same_app(owner: User) -> None:
    app = import_app(owner, echo_workflow())
    exported = yaml.safe_load(owner.get(f"/apps/{app.id}/export").json()["data"])
    again = import_app(owner, yaml.safe_dump(exported))
    exported_again = yaml.safe_load(owner.get(f"/apps/{again.id}/export").json()["data"])
    assert exported_again == exported
    assert exported["app"]["mode"] == "workflow"
    assert exported["workflow"]["graph"] == yaml.safe_load(echo_workflow())["workflow"]["graph"]


def test_single_node_debug_run_and_run_history(configured: User) -> None:
    app = import_app(configured, echo_workflow())
    result = configured.post(
        f"/apps/{app.id}/workflows/draft/nodes/llm/run", {"inputs": {"start.name": "Kim"}}
    )
    assert result.status_code == 200, result.text
    assert result.json()["status"] == "succeeded"
    assert result.json()["outputs"]["text"] == "Echo: Hello Kim"
    missing = configured.post(f"/apps/{app.id}/workflows/draft/nodes/nope/run", {"inputs": {}})
    assert missing.status_code == 400
    run = app.post("/workflows/run", {"inputs": {"name": "Lu"}, "user": "u"}).json()
    history = configured.get(f"/apps/{app.id}/workflow-runs").json()
    assert [r["id"] for r in history["data"]] == [run["workflow_run_id"]]
    detail = configured.get(f"/apps/{app.id}/workflow-runs/{run['workflow_run_id']}").json()
    nodes = detail["node_executions"]
    assert [n["node_id"] for n in nodes] == ["start", "llm", "end"]
    llm = nodes[1]
    assert llm["inputs"] is not None and llm["outputs"]["text"] == "Echo: Hello Lu"
    assert llm["execution_metadata"]["total_tokens"] > 0
    assert llm["elapsed_time"] >= 0 and llm["finished_at"] >= llm["created_at"]
