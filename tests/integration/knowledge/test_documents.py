"""Documents from files of every supported type, bad files, lifecycle and workspace isolation."""

from __future__ import annotations

import json

import pytest

from tests.dify_spec import SPEC_DIR, assert_valid
from tests.integration.foundation.conftest import PASSWORD, User, assert_dify_error, login
from tests.integration.knowledge.conftest import KnowledgeClient
from tests.unit.rag.conftest import make_docx, make_eml, make_pdf, make_pptx, make_xlsx

KNOWLEDGE_SPEC = SPEC_DIR / "openapi_knowledge.json"
FILES: dict[str, tuple[bytes, str]] = {
    "notes.txt": (b"Plain text about kestrels hovering.", "kestrels"),
    "guide.md": (b"# Guide\n\nMarkdown about **otters** in rivers.", "otters"),
    "page.html": (
        b"<html><body><p>Badgers dig setts.</p><script>x()</script></body></html>",
        "Badgers",
    ),
    "table.csv": (b"animal,habitat\nbeaver,river\n", "beaver"),
    "data.json": (json.dumps({"animal": "heron", "habitat": "marsh"}).encode(), "heron"),
    "report.pdf": (make_pdf([["Falcons are fast hunters."]]), "Falcons"),
    "report.docx": (make_docx(), "Revenue grew"),
    "sheet.xlsx": (make_xlsx(), "Widget"),
    "deck.pptx": (make_pptx(), "Launch Plan"),
    "mail.eml": (make_eml(), "Downtime"),
}


def _upload(kb: KnowledgeClient, dataset_id: str, name: str, data: bytes, options: object) -> dict:
    response = kb.client.post(
        f"/v1/datasets/{dataset_id}/document/create-by-file",
        headers=kb.headers,
        files={"file": (name, data)},
        data={"data": json.dumps(options)},
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("filename", sorted(FILES))
def test_file_types_are_extracted_indexed_and_found(kb: KnowledgeClient, filename: str) -> None:
    data, needle = FILES[filename]
    dataset = kb.dataset(f"Files {filename}")
    created = _upload(kb, dataset["id"], filename, data, {"indexing_technique": "economy"})
    assert_valid("Document", created["document"], KNOWLEDGE_SPEC)
    assert created["document"]["data_source_type"] == "upload_file"
    status = kb.wait(dataset["id"], created["batch"])
    assert status["indexing_status"] == "completed", status
    response = kb.post(f"/datasets/{dataset['id']}/retrieve", {"query": needle})
    records = response.json()["records"]
    assert records and needle.lower() in records[0]["segment"]["content"].lower()


def test_bad_file_errors_only_its_document(kb: KnowledgeClient) -> None:
    dataset = kb.dataset()
    good = kb.add_text(
        dataset["id"], "good.txt", "Swallows migrate south.", indexing_technique="economy"
    )
    bad = _upload(kb, dataset["id"], "broken.docx", b"PK\x03\x04 not really a docx", {})
    status = kb.wait(dataset["id"], bad["batch"])
    assert status["indexing_status"] == "error"
    assert status["error"]
    assert kb.wait(dataset["id"], good["batch"])["indexing_status"] == "completed"
    doc = kb.get(f"/datasets/{dataset['id']}/documents/{bad['document']['id']}").json()
    assert doc["display_status"] == "error" and doc["error"] == status["error"]
    assert kb.post(f"/datasets/{dataset['id']}/retrieve", {"query": "swallows"}).json()["records"]


def test_scanned_pdf_without_text_is_an_error(kb: KnowledgeClient) -> None:
    dataset = kb.dataset()
    created = _upload(
        kb, dataset["id"], "scan.pdf", make_pdf([[]]), {"indexing_technique": "economy"}
    )
    status = kb.wait(dataset["id"], created["batch"])
    assert status["indexing_status"] == "error" and status["error"]


def test_first_document_needs_an_indexing_technique(kb: KnowledgeClient) -> None:
    dataset = kb.dataset()
    response = kb.post(
        f"/datasets/{dataset['id']}/document/create-by-text", {"name": "a", "text": "b"}
    )
    assert_dify_error(response, 400)
    response = kb.post(
        f"/datasets/{dataset['id']}/document/create_by_text",  # the SDKs' old alias
        {"name": "a", "text": "b", "indexing_technique": "economy"},
    )
    assert response.status_code == 200, response.text
    assert kb.wait(dataset["id"], response.json()["batch"])["indexing_status"] == "completed"


def test_invalid_process_rule_is_refused(kb: KnowledgeClient) -> None:
    dataset = kb.dataset()
    response = kb.post(
        f"/datasets/{dataset['id']}/document/create-by-text",
        {"name": "a", "text": "b", "indexing_technique": "economy", "process_rule": {"mode": "x"}},
    )
    assert_dify_error(response, 400)
    assert kb.get(f"/datasets/{dataset['id']}/documents").json()["total"] == 0


def test_disabled_and_deleted_documents_are_not_retrieved(kb: KnowledgeClient) -> None:
    dataset = kb.dataset()
    created = kb.add_text(dataset["id"], "w.txt", "Woodpeckers drum on trees.")
    kb.wait(dataset["id"], created["batch"])
    path = f"/datasets/{dataset['id']}"
    assert kb.post(f"{path}/retrieve", {"query": "woodpeckers"}).json()["records"]
    doc_id = created["document"]["id"]
    response = kb.patch(f"{path}/documents/status/disable", {"document_ids": [doc_id]})
    assert response.status_code == 200, response.text
    assert kb.post(f"{path}/retrieve", {"query": "woodpeckers"}).json()["records"] == []
    kb.patch(f"{path}/documents/status/enable", {"document_ids": [doc_id]})
    assert kb.post(f"{path}/retrieve", {"query": "woodpeckers"}).json()["records"]
    assert kb.delete(f"{path}/documents/{doc_id}").status_code == 204
    assert kb.post(f"{path}/retrieve", {"query": "woodpeckers"}).json()["records"] == []
    assert_dify_error(kb.get(f"{path}/documents/{doc_id}"), 404, "document_not_found")


def test_dataset_crud_and_listing(kb: KnowledgeClient) -> None:
    first = kb.dataset("Alpha")
    kb.dataset("Beta")
    assert_dify_error(kb.post("/datasets", {"name": "Alpha"}), 409, "dataset_name_duplicate")
    assert_dify_error(kb.post("/datasets", {"name": ""}), 400)
    assert_dify_error(kb.post("/datasets", {"name": "X", "permission": "everyone"}), 400)
    listing = kb.get("/datasets", limit=1).json()
    assert listing["total"] == 2 and listing["has_more"] is True and len(listing["data"]) == 1
    for item in kb.get("/datasets").json()["data"]:
        assert_valid("Dataset", item, KNOWLEDGE_SPEC)
    assert kb.get("/datasets", keyword="Bet").json()["total"] == 1
    response = kb.patch(
        f"/datasets/{first['id']}", {"name": "Gamma", "permission": "all_team_members"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Gamma"
    assert response.json()["permission"] == "all_team_members"
    assert kb.delete(f"/datasets/{first['id']}").status_code == 204
    assert_dify_error(kb.get(f"/datasets/{first['id']}"), 404, "dataset_not_found")


def _other_workspace_key(owner: User) -> str:
    """A knowledge key of a workspace that shares nothing with the owner's."""
    token = owner.post(
        "/workspaces/current/members/invite-email", {"emails": ["b@example.com"], "role": "normal"}
    ).json()["invitation_results"][0]["token"]
    owner.client.post(
        "/console/api/activate", json={"token": token, "name": "B", "password": PASSWORD}
    )
    b_id = next(
        m["id"]
        for m in owner.get("/workspaces/current/members").json()["accounts"]
        if m["email"] == "b@example.com"
    )
    owner.delete(f"/workspaces/current/members/{b_id}")
    other = login(owner.client, "b@example.com")
    other.post("/workspaces", {"name": "Bravo"})
    response = other.post("/datasets/api-keys")
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def test_other_workspaces_see_nothing(owner: User, kb: KnowledgeClient) -> None:
    dataset = kb.dataset()
    created = kb.add_text(dataset["id"], "s.txt", "Secret text.", indexing_technique="economy")
    kb.wait(dataset["id"], created["batch"])
    other = KnowledgeClient(owner.client, _other_workspace_key(owner))
    path = f"/datasets/{dataset['id']}"
    assert_dify_error(other.get(path), 404, "dataset_not_found")
    assert_dify_error(other.post(f"{path}/retrieve", {"query": "secret"}), 404)
    assert_dify_error(other.get(f"{path}/documents/{created['document']['id']}"), 404)
    assert_dify_error(other.delete(path), 404)
    assert other.get("/datasets").json()["total"] == 0
    assert kb.get(path).status_code == 200


def test_missing_or_wrong_key_is_unauthorized(kb: KnowledgeClient) -> None:
    response = kb.client.get("/v1/datasets")
    assert_dify_error(response, 401)
    response = kb.client.get("/v1/datasets", headers={"Authorization": "Bearer dataset-nope"})
    assert_dify_error(response, 401)
