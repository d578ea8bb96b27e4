"""The vertical slice: dataset -> create-by-text -> indexed -> retrieve, with Dify's shapes."""

from __future__ import annotations

from pathlib import Path

from tests.dify_spec import SPEC_DIR, assert_valid
from tests.integration.knowledge.conftest import KnowledgeClient

KNOWLEDGE_SPEC = SPEC_DIR / "openapi_knowledge.json"

PASSAGES = """Yarrow stores uploaded files in object storage through OpenDAL.

The vector store is a rebuildable index: segments and embeddings live in SQL.

Helm upgrades run database migrations in a pre-upgrade job, never racing API pods.

Penguins live mostly in the southern hemisphere and cannot fly."""


def _rule(max_chars: int = 120) -> dict[str, object]:
    return {
        "mode": "custom",
        "rules": {
            "pre_processing_rules": [{"id": "remove_extra_spaces", "enabled": True}],
            "segmentation": {"separator": "\\n\\n", "max_tokens": max_chars},
        },
    }


def _spec_path(path: str) -> Path:
    return KNOWLEDGE_SPEC


def test_text_document_is_indexed_and_retrieved(kb: KnowledgeClient) -> None:
    dataset = kb.dataset("Handbook", description="ops notes")
    assert_valid("Dataset", dataset, KNOWLEDGE_SPEC)
    created = kb.add_text(dataset["id"], "handbook.txt", PASSAGES, process_rule=_rule())
    assert_valid("Document", created["document"], KNOWLEDGE_SPEC)
    assert created["document"]["indexing_status"] == "waiting"
    status = kb.wait(dataset["id"], created["batch"])
    assert status["indexing_status"] == "completed", status
    assert status["completed_segments"] == status["total_segments"] == 4

    segments = kb.get(f"/datasets/{dataset['id']}/documents/{created['document']['id']}/segments")
    assert segments.status_code == 200
    assert [s["position"] for s in segments.json()["data"]] == [1, 2, 3, 4]
    for segment in segments.json()["data"]:
        assert_valid("Segment", segment, KNOWLEDGE_SPEC)

    response = kb.post(
        f"/datasets/{dataset['id']}/retrieve",
        {"query": "Which animals cannot fly?", "retrieval_model": {"top_k": 2}},
    )
    assert response.status_code == 200, response.text
    records = response.json()["records"]
    assert len(records) == 2
    assert "Penguins" in records[0]["segment"]["content"]
    assert records[0]["score"] >= records[1]["score"]
    assert records[0]["segment"]["document"]["name"] == "handbook.txt"
    assert response.json()["degraded"] == []


def test_full_text_and_hybrid_search(kb: KnowledgeClient) -> None:
    dataset = kb.dataset()
    created = kb.add_text(dataset["id"], "a.txt", PASSAGES, process_rule=_rule())
    assert kb.wait(dataset["id"], created["batch"])["indexing_status"] == "completed"
    for method in ("full_text_search", "hybrid_search", "keyword_search"):
        response = kb.post(
            f"/datasets/{dataset['id']}/retrieve",
            {"query": "helm migrations", "retrieval_model": {"search_method": method, "top_k": 1}},
        )
        assert response.status_code == 200, response.text
        records = response.json()["records"]
        assert len(records) == 1, method
        assert "Helm" in records[0]["segment"]["content"], method


def test_score_threshold_applies_after_fusion(kb: KnowledgeClient) -> None:
    dataset = kb.dataset()
    created = kb.add_text(dataset["id"], "a.txt", PASSAGES, process_rule=_rule())
    kb.wait(dataset["id"], created["batch"])
    body = {
        "query": "helm migrations",
        "retrieval_model": {
            "search_method": "hybrid_search",
            "top_k": 4,
            "score_threshold_enabled": True,
            "score_threshold": 0.99,
        },
    }
    response = kb.post(f"/datasets/{dataset['id']}/retrieve", body)
    assert response.status_code == 200
    # Full text alone scores the Helm chunk 1.0, but fused with its cosine score it is < 0.99.
    assert response.json()["records"] == []
    body["retrieval_model"]["score_threshold"] = 0.3  # type: ignore[index]
    records = kb.post(f"/datasets/{dataset['id']}/retrieve", body).json()["records"]
    assert records and all(r["score"] >= 0.3 for r in records)
