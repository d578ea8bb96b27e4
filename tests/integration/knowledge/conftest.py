"""Knowledge bases over the Knowledge API, on SQLite and PostgreSQL, with the local MiniLM model
and the embedded LanceDB store in the session's data directory."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.chat.conftest import (  # noqa: F401 - fixtures re-used here
    ChatApp,
    configured,
    db_env,
    make_app,
    sse_events,
    upstream,
)
from tests.integration.foundation.conftest import (  # noqa: F401 - fixtures re-used here
    User,
    clean_tables,
    client,
    owner,
    process,
    settings,
)


class KnowledgeClient:
    """Calls /v1/datasets with a workspace knowledge key, like Dify's SDK."""

    def __init__(self, client: TestClient, key: str) -> None:
        self.client, self.key = client, key

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(f"/v1{path}", json=json, headers=self.headers, **kw)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/v1{path}", params=params, headers=self.headers)

    def patch(self, path: str, json: Any = None) -> Any:
        return self.client.patch(f"/v1{path}", json=json, headers=self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/v1{path}", headers=self.headers)

    def dataset(self, name: str = "Docs", **fields: Any) -> dict[str, Any]:
        response = self.post("/datasets", {"name": name, **fields})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def add_text(self, dataset_id: str, name: str, text: str, **options: Any) -> dict[str, Any]:
        body = {"name": name, "text": text, "indexing_technique": "high_quality", **options}
        response = self.post(f"/datasets/{dataset_id}/document/create-by-text", body)
        assert response.status_code == 200, response.text
        created: dict[str, Any] = response.json()
        return created

    def wait(self, dataset_id: str, batch: str, timeout: float = 60.0) -> dict[str, Any]:
        """Poll indexing-status until every document is completed or in error."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.get(f"/datasets/{dataset_id}/documents/{batch}/indexing-status")
            assert response.status_code == 200, response.text
            entry: dict[str, Any] = response.json()["data"][0]
            if entry["indexing_status"] in ("completed", "error"):
                return entry
            assert time.monotonic() < deadline, entry
            time.sleep(0.05)


@pytest.fixture
def kb(owner: User) -> KnowledgeClient:
    response = owner.post("/datasets/api-keys")
    assert response.status_code == 201, response.text
    return KnowledgeClient(owner.client, response.json()["token"])
