"""Dify DSL import and export of chat, completion and agent-chat apps (console API)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.integration.chat.conftest import ChatApp
from tests.integration.foundation.conftest import User, assert_dify_error

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus" / "dify-dsl"
EASY = sorted(
    p
    for p in CORPUS.glob("*.yml")
    if yaml.safe_load(p.read_text())["app"]["mode"] in ("chat", "agent-chat", "completion")
)
WORKFLOWS = sorted(set(CORPUS.glob("*.yml")) - set(EASY))
pytestmark = pytest.mark.skipif(not EASY, reason="DSL corpus not beside the repository")


def _import(user: User, content: str) -> dict[str, object]:
    response = user.post("/apps/imports", {"mode": "yaml-content", "yaml_content": content})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize("path", EASY, ids=lambda p: p.name[:40])
def test_corpus_easy_apps_import_and_round_trip(owner: User, path: Path) -> None:
    source = yaml.safe_load(path.read_text())
    first = _import(owner, path.read_text())
    assert first["app_mode"] == source["app"]["mode"]
    assert first["status"] == "completed-with-warnings"  # openai provider is not installed here
    assert any("openai" in w for w in first["warnings"])  # type: ignore[union-attr]
    app = owner.get(f"/apps/{first['app_id']}").json()
    assert app["name"] == source["app"]["name"] and app["icon"] == source["app"]["icon"]
    config = owner.get(f"/apps/{first['app_id']}/model-config").json()
    assert config["pre_prompt"] == source["model_config"]["pre_prompt"]
    assert config["agent_mode"] == source["model_config"]["agent_mode"]
    exported = owner.get(f"/apps/{first['app_id']}/export").json()["data"]
    second = _import(owner, exported)
    assert owner.get(f"/apps/{second['app_id']}/model-config").json() == config
    again = owner.get(f"/apps/{second['app_id']}").json()
    assert (again["name"], again["mode"], again["icon"]) == (app["name"], app["mode"], app["icon"])


def test_imported_app_with_missing_provider_says_so(owner: User) -> None:
    body = _import(owner, EASY[0].read_text())
    key = owner.post(f"/apps/{body['app_id']}/api-keys").json()["token"]
    app = ChatApp(owner.client, str(body["app_id"]), key)
    mode = body["app_mode"]
    path = "/chat-messages" if mode != "completion" else "/completion-messages"
    response = app.post(path, {"query": "hi", "inputs": {}, "user": "u"})
    assert_dify_error(response, 400, "provider_not_initialize")


def test_workflow_documents_import_as_workflow_apps(owner: User) -> None:
    # workflow modes import since issue 9 (tests/integration/workflows covers them in depth)
    response = owner.post("/apps/imports", {"yaml_content": WORKFLOWS[0].read_text()})
    assert response.status_code == 200, response.text
    assert response.json()["app_mode"] in ("workflow", "advanced-chat")
    assert owner.get("/apps").json()["total"] == 1


BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "app: {mode: chat, name: x}\n"
)


@pytest.mark.parametrize(
    "content",
    [
        "not: [valid",
        "- a\n- b\n",
        "version: '0.1.0'\nkind: app\n",
        "version: '0.1.0'\napp: {mode: chatbot, name: x}\n",
        "version: '9.0.0'\napp: {mode: chat, name: x}\n",
        "version: 1\napp: {mode: chat, name: x}\n",
        "version: '0.1.0'\napp: {mode: chat, name: x}\nmodel_config: {pre_prompt: [1, 2]}\n",
        "!!python/object/apply:os.system ['echo pwned']\n",
        BOMB,
    ],
)
def test_broken_dsl_is_refused(owner: User, content: str) -> None:
    assert_dify_error(owner.post("/apps/imports", {"yaml_content": content}), 400, "invalid_dsl")
    assert owner.get("/apps").json()["total"] == 0
