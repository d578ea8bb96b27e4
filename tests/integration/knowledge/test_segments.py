"""Segments edited through the Knowledge API: SQL and the vector store change together."""

from __future__ import annotations

from tests.dify_spec import SPEC_DIR, assert_valid
from tests.integration.foundation.conftest import assert_dify_error
from tests.integration.knowledge.conftest import KnowledgeClient

KNOWLEDGE_SPEC = SPEC_DIR / "openapi_knowledge.json"


def _document(kb: KnowledgeClient) -> tuple[str, str]:
    dataset = kb.dataset()
    created = kb.add_text(dataset["id"], "a.txt", "Ravens are clever corvids.")
    assert kb.wait(dataset["id"], created["batch"])["indexing_status"] == "completed"
    return (
        f"/datasets/{dataset['id']}",
        f"/datasets/{dataset['id']}/documents/{created['document']['id']}",
    )


def _top(kb: KnowledgeClient, path: str, query: str) -> str | None:
    records = kb.post(f"{path}/retrieve", {"query": query, "retrieval_model": {"top_k": 1}}).json()[
        "records"
    ]
    return records[0]["segment"]["content"] if records else None


def test_add_update_delete_segments(kb: KnowledgeClient) -> None:
    dataset_path, doc_path = _document(kb)
    response = kb.post(
        f"{doc_path}/segments",
        {"segments": [{"content": "Tortoises can live for over a century.", "keywords": ["age"]}]},
    )
    assert response.status_code == 200, response.text
    segment = response.json()["data"][0]
    assert_valid("Segment", segment, KNOWLEDGE_SPEC)
    assert segment["position"] == 2 and segment["keywords"] == ["age"]
    assert _top(kb, dataset_path, "How long do tortoises live?") == segment["content"]

    response = kb.post(
        f"{doc_path}/segments/{segment['id']}",
        {"segment": {"content": "Giant tortoises often live past 150 years."}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["content"].startswith("Giant tortoises")
    assert _top(kb, dataset_path, "tortoise lifespan").startswith("Giant")  # type: ignore[union-attr]
    got = kb.get(f"{doc_path}/segments/{segment['id']}")
    assert got.json()["data"]["word_count"] == len("Giant tortoises often live past 150 years.")

    assert kb.delete(f"{doc_path}/segments/{segment['id']}").status_code == 204
    assert_dify_error(kb.get(f"{doc_path}/segments/{segment['id']}"), 404, "segment_not_found")
    assert _top(kb, dataset_path, "tortoise lifespan") == "Ravens are clever corvids."


def test_bad_segment_requests(kb: KnowledgeClient) -> None:
    _, doc_path = _document(kb)
    assert_dify_error(kb.post(f"{doc_path}/segments", {"segments": []}), 400)
    assert_dify_error(kb.post(f"{doc_path}/segments", {"segments": [{"content": " "}]}), 400)
    missing = "3f1c1b0e-0000-4000-8000-000000000000"
    assert_dify_error(kb.post(f"{doc_path}/segments/{missing}", {"segment": {"content": "x"}}), 404)
    assert_dify_error(kb.delete(f"{doc_path}/segments/{missing}"), 404)


def test_update_by_text_reindexes_the_document(kb: KnowledgeClient) -> None:
    dataset = kb.dataset()
    rule = {
        "mode": "custom",
        "rules": {
            "pre_processing_rules": [],
            "segmentation": {"separator": "\\n\\n", "max_tokens": 100},
        },
    }
    created = kb.add_text(
        dataset["id"], "a.txt", "Kept paragraph.\n\nOld paragraph.", process_rule=rule
    )
    kb.wait(dataset["id"], created["batch"])
    doc_path = f"/datasets/{dataset['id']}/documents/{created['document']['id']}"
    before = kb.get(f"{doc_path}/segments").json()["data"]
    response = kb.post(
        f"{doc_path}/update-by-text",
        {"name": "b.txt", "text": "Kept paragraph.\n\nNew paragraph about lynxes."},
    )
    assert response.status_code == 200, response.text
    assert response.json()["document"]["name"] == "b.txt"
    assert kb.wait(dataset["id"], response.json()["batch"])["indexing_status"] == "completed"
    after = kb.get(f"{doc_path}/segments").json()["data"]
    assert [s["content"] for s in after] == ["Kept paragraph.", "New paragraph about lynxes."]
    assert {s["id"] for s in after}.isdisjoint(s["id"] for s in before)  # replaced, not added
    records = kb.post(f"/datasets/{dataset['id']}/retrieve", {"query": "lynxes"}).json()["records"]
    assert records[0]["segment"]["content"] == "New paragraph about lynxes."
    assert all("Old paragraph" not in r["segment"]["content"] for r in records)
    assert_dify_error(kb.post(f"{doc_path}/update-by-text", {"text": "  "}), 400)
