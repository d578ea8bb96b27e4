"""Workflow and chatflow apps over the Service API and console, on SQLite and PostgreSQL.

Models are the deterministic upstream (``yarrow.testing.fake_openai``); code nodes run in a real
``yarrow sandbox`` child process started here on a free loopback port.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.chat.conftest import (  # noqa: F401 - fixtures re-used here
    ChatApp,
    configured,
    db_env,
    sse_events,
    upstream,
)
from tests.integration.foundation.conftest import (  # noqa: F401 - fixtures re-used here
    User,
    clean_tables,
    client,
    owner,
    process,
)
from tests.integration.sandbox.conftest import API_KEY, UID_BASE, running_sandbox
from yarrow.sandbox.supervisor import SandboxProcess
from yarrow.settings import Settings, load_settings
from yarrow.testing.fake_openai import MODEL

PROVIDER = "openai_api_compatible"


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """The real code sandbox, in its own uid block (the sandbox suite uses the one below)."""
    tmp = tmp_path_factory.mktemp("wf-sandbox")
    with running_sandbox(
        tmp, tmp / "sandbox.log", YARROW_SANDBOX_UID_BASE=str(UID_BASE + 100)
    ) as handle:
        yield handle


@pytest.fixture(scope="session")
def settings(
    db_env: dict[str, str],  # noqa: F811
    sandbox: SandboxProcess,
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    environ = {
        **db_env,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "YARROW_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        "SQLALCHEMY_POOL_SIZE": "5",
        "CODE_EXECUTION_ENDPOINT": sandbox.base_url,
        "CODE_EXECUTION_API_KEY": API_KEY,
        "WORKFLOW_MAX_EXECUTION_STEPS": "50",
    }
    return load_settings(embedded=False, environ=environ)


def node(node_id: str, kind: str, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "data": {"type": kind, "title": node_id, **data}}


def edge(source: str, target: str, handle: str = "source") -> dict[str, Any]:
    return {
        "id": f"{source}-{target}",
        "source": source,
        "target": target,
        "sourceHandle": handle,
        "targetHandle": "target",
    }


def llm_node(node_id: str, prompt: str) -> dict[str, Any]:
    return node(
        node_id,
        "llm",
        model={"provider": PROVIDER, "name": MODEL, "mode": "chat", "completion_params": {}},
        prompt_template=[{"role": "user", "text": prompt}],
        context={"enabled": False, "variable_selector": []},
    )


def document(mode: str, nodes: list[Any], edges: list[Any], **workflow: Any) -> str:
    """A Dify DSL document of ``mode``."""
    return yaml.safe_dump(
        {
            "version": "0.6.0",
            "kind": "app",
            "app": {"name": f"{mode} test", "mode": mode, "icon": "🤖"},
            "workflow": {"graph": {"nodes": nodes, "edges": edges}, "features": {}, **workflow},
        },
        allow_unicode=True,
    )


START = node(
    "start",
    "start",
    variables=[
        {
            "variable": "name",
            "type": "text-input",
            "label": "Name",
            "required": True,
            "max_length": 20,
        }
    ],
)


def echo_workflow() -> str:
    """start(name) -> llm -> end {answer, name}."""
    return document(
        "workflow",
        [
            START,
            llm_node("llm", "Hello {{#start.name#}}"),
            node(
                "end",
                "end",
                outputs=[
                    {"variable": "answer", "value_selector": ["llm", "text"]},
                    {"variable": "name", "value_selector": ["start", "name"]},
                ],
            ),
        ],
        [edge("start", "llm"), edge("llm", "end")],
    )


def import_app(user: User, content: str) -> ChatApp:
    """Import a DSL document through the console and give the app a Service API key."""
    response = user.post("/apps/imports", {"mode": "yaml-content", "yaml_content": content})
    assert response.status_code == 200, response.text
    app_id = response.json()["app_id"]
    key = user.post(f"/apps/{app_id}/api-keys").json()["token"]
    app = ChatApp(user.client, app_id, key)
    app.imported = response.json()  # type: ignore[attr-defined]
    return app


def corpus_dir() -> Path:
    return Path(__file__).resolve().parents[4] / "shared" / "corpus" / "dify-dsl"
