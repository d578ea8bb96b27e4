"""Workspace provider credentials: validated, encrypted, masked; defaults per type."""

from __future__ import annotations

from sqlalchemy import select

from tests.integration.chat.conftest import UPSTREAM_KEY
from tests.integration.foundation.conftest import User, assert_dify_error, invite_and_join
from yarrow.db.models import ProviderCredential
from yarrow.entrypoints.wiring import Process

PATH = "/workspaces/current/model-providers/openai_api_compatible/credentials"


def test_credentials_are_validated_encrypted_and_masked(
    owner: User, upstream: str, process: Process
) -> None:
    bad = owner.post(PATH, {"credentials": {"endpoint_url": upstream, "api_key": "sk-wrong-key"}})
    assert_dify_error(bad, 400, "invalid_credentials")
    listed = {
        p["provider"]: p for p in owner.get("/workspaces/current/model-providers").json()["data"]
    }
    assert listed["openai_api_compatible"]["configured"] is False
    assert listed["local"]["configured"] is True  # needs no key
    good = owner.post(PATH, {"credentials": {"endpoint_url": upstream, "api_key": UPSTREAM_KEY}})
    assert good.status_code == 200
    masked = good.json()["credentials"]["api_key"]
    assert UPSTREAM_KEY not in masked and masked.endswith(UPSTREAM_KEY[-4:])
    page = owner.get("/workspaces/current/model-providers").text
    assert UPSTREAM_KEY not in page
    with process.database.session() as session:
        stored = session.scalars(select(ProviderCredential)).all()
    assert stored and all(UPSTREAM_KEY not in row.encrypted_config for row in stored)
    # sending the masked value back keeps the stored secret
    again = owner.post(PATH, {"credentials": {"endpoint_url": upstream, "api_key": masked}})
    assert again.status_code == 200
    models = owner.get("/workspaces/current/models/model-types/llm").json()["data"]
    assert ("openai_api_compatible", "echo-1") in {(m["provider"], m["name"]) for m in models}


def test_only_admins_configure_providers(owner: User, upstream: str) -> None:
    editor = invite_and_join(owner, "ed@example.com", "editor")
    refused = editor.post(
        PATH, {"credentials": {"endpoint_url": upstream, "api_key": UPSTREAM_KEY}}
    )
    assert_dify_error(refused, 403)
    assert_dify_error(editor.delete(PATH), 403)


def test_bad_provider_requests(owner: User) -> None:
    assert_dify_error(
        owner.post("/workspaces/current/model-providers/nope/credentials", {"credentials": {}}), 404
    )
    assert_dify_error(owner.post(PATH, {"credentials": {}}), 400)  # endpoint_url required
    assert_dify_error(owner.post(PATH, {"credentials": {"endpoint_url": "ftp://x"}}), 400)
    assert_dify_error(owner.get("/workspaces/current/models/model-types/tts"), 400)
    assert_dify_error(owner.delete(PATH), 404)


def test_default_model_falls_back_to_local(owner: User) -> None:
    found = owner.get("/workspaces/current/default-model", params={"model_type": "llm"}).json()
    assert found["data"]["provider"] == "local"
