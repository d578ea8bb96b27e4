"""Parent-child retrieval, hit-testing history, economy datasets and bad retrieval requests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.integration.foundation.conftest import assert_dify_error
from tests.integration.knowledge.conftest import KnowledgeClient
from yarrow.db.models import ChildChunk, DatasetQuery
from yarrow.entrypoints.wiring import Process
from yarrow.errors import UpstreamUnavailable

PARENTS = (
    "Owls hunt at night. Their feathers make their flight silent.\n"
    "Owls can turn their heads very far.\n\n"
    "Bees make honey. A hive has one queen.\n"
    "Worker bees dance to share where flowers are."
)
HIERARCHICAL = {
    "mode": "hierarchical",
    "rules": {
        "pre_processing_rules": [],
        "segmentation": {"separator": "\\n\\n", "max_tokens": 500},
        "parent_mode": "paragraph",
        "subchunk_segmentation": {"separator": "\\n", "max_tokens": 100},
    },
}


def test_parent_child_matches_children_and_returns_parents(
    kb: KnowledgeClient, process: Process
) -> None:
    dataset = kb.dataset()
    created = kb.add_text(
        dataset["id"],
        "nature.txt",
        PARENTS,
        doc_form="hierarchical_model",
        process_rule=HIERARCHICAL,
    )
    status = kb.wait(dataset["id"], created["batch"])
    assert status["indexing_status"] == "completed", status
    assert status["total_segments"] == 2
    with process.database.session() as session:
        children = session.scalars(
            select(ChildChunk).where(ChildChunk.document_id == created["document"]["id"])
        ).all()
    assert len(children) == 4
    response = kb.post(
        f"/datasets/{dataset['id']}/retrieve",
        {"query": "How do bees tell others about flowers?", "retrieval_model": {"top_k": 2}},
    )
    records = response.json()["records"]
    assert len(records) == 2  # two parents, however many children matched
    assert records[0]["segment"]["content"].startswith("Bees make honey.")
    assert "Worker bees dance" in records[0]["segment"]["content"]  # the whole parent


def test_hit_testing_records_queries(kb: KnowledgeClient, process: Process) -> None:
    dataset = kb.dataset()
    created = kb.add_text(
        dataset["id"], "a.txt", "Moles dig tunnels.", indexing_technique="economy"
    )
    kb.wait(dataset["id"], created["batch"])
    response = kb.post(f"/datasets/{dataset['id']}/hit-testing", {"query": "moles tunnels"})
    assert response.status_code == 200, response.text
    assert response.json()["query"] == {"content": "moles tunnels"}
    assert response.json()["records"][0]["score"] == 1.0  # both terms: full coverage
    kb.post(f"/datasets/{dataset['id']}/retrieve", {"query": "moles"})
    with process.database.session() as session:
        rows = session.execute(
            select(DatasetQuery.content, DatasetQuery.source)
            .where(DatasetQuery.dataset_id == dataset["id"])
            .order_by(DatasetQuery.created_at)
        ).all()
    assert [tuple(r) for r in rows] == [("moles tunnels", "hit_testing"), ("moles", "api")]


def test_bad_retrieval_requests(kb: KnowledgeClient) -> None:
    dataset = kb.dataset()
    path = f"/datasets/{dataset['id']}/retrieve"
    assert_dify_error(kb.post(path, {"query": ""}), 400)
    assert_dify_error(kb.post(path, {"query": "x" * 251}), 400)
    assert_dify_error(kb.post(path, {"query": "x", "retrieval_model": {"top_k": 0}}), 400)
    assert_dify_error(
        kb.post(path, {"query": "x", "retrieval_model": {"search_method": "magic"}}), 400
    )
    assert_dify_error(kb.post(path, {"query": "x", "retrieval_model": {"score_threshold": 2}}), 400)
    # an empty dataset answers with no records
    assert kb.post(path, {"query": "anything"}).json()["records"] == []


def test_hybrid_drops_a_failing_channel_and_says_so(
    kb: KnowledgeClient, process: Process, monkeypatch: Any
) -> None:
    dataset = kb.dataset()
    created = kb.add_text(dataset["id"], "a.txt", "Otters hold hands while sleeping.")
    kb.wait(dataset["id"], created["batch"])

    async def provider_down(_dataset: Any) -> Any:
        raise UpstreamUnavailable("embedding provider timed out")

    monkeypatch.setattr(process.services.knowledge.retriever, "_resolve", provider_down)
    body = {"query": "otters sleeping", "retrieval_model": {"search_method": "hybrid_search"}}
    response = kb.post(f"/datasets/{dataset['id']}/retrieve", body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["records"][0]["segment"]["content"].startswith("Otters")
    assert result["records"][0]["score"] == 1.0  # the text channel alone, unweighted
    assert len(result["degraded"]) == 1
    assert "semantic_search unavailable" in result["degraded"][0]
    assert "embedding provider timed out" in result["degraded"][0]
    # semantic only: its one channel fails, so SQL keyword search answers
    body["retrieval_model"] = {"search_method": "semantic_search"}
    result = kb.post(f"/datasets/{dataset['id']}/retrieve", body).json()
    assert result["records"] and any("SQL keyword search" in d for d in result["degraded"])
