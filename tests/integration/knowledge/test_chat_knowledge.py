"""Chat and completion apps use knowledge: context in the prompt, citations in message_end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.chat.conftest import ChatApp, make_app, sse_events
from tests.integration.foundation.conftest import User
from tests.integration.knowledge.conftest import KnowledgeClient
from yarrow.entrypoints.wiring import Process
from yarrow.vectorstores.memory import InMemoryVectorStore

TEXT = """Penguins live mostly in the southern hemisphere and cannot fly.

Helm upgrades run database migrations in a pre-upgrade job."""
RULE = {
    "mode": "custom",
    "rules": {
        "pre_processing_rules": [],
        "segmentation": {"separator": "\\n\\n", "max_tokens": 100},
    },
}


def _indexed(kb: KnowledgeClient) -> str:
    dataset = kb.dataset("Zoo")
    created = kb.add_text(dataset["id"], "zoo.txt", TEXT, process_rule=RULE)
    assert kb.wait(dataset["id"], created["batch"])["indexing_status"] == "completed"
    return str(dataset["id"])


def _configs(*dataset_ids: str, **extra: Any) -> dict[str, Any]:
    return {
        "dataset_configs": {
            "retrieval_model": "multiple",
            "top_k": 1,
            "datasets": {
                "datasets": [{"dataset": {"enabled": True, "id": i}} for i in dataset_ids]
            },
            **extra,
        }
    }


def _chat(app: ChatApp, query: str) -> dict[str, Any]:
    response = app.post(
        "/chat-messages",
        {"query": query, "inputs": {}, "user": "u1", "response_mode": "streaming"},
    )
    assert response.status_code == 200, response.text
    events = sse_events(response)
    assert events[-1]["event"] == "message_end", events[-1]
    return events[-1]


def test_chat_cites_retrieved_segments(configured: User, kb: KnowledgeClient) -> None:
    dataset_id = _indexed(kb)
    app = make_app(configured, "chat", _configs(dataset_id))
    end = _chat(app, "Which birds cannot fly?")
    resources = end["metadata"]["retriever_resources"]
    assert len(resources) == 1
    assert resources[0]["dataset_id"] == dataset_id
    assert resources[0]["document_name"] == "zoo.txt"
    assert "Penguins" in resources[0]["content"]
    assert resources[0]["position"] == 1 and 0 < resources[0]["score"] <= 1
    assert "knowledge_notes" not in end["metadata"]


def test_completion_prompt_carries_the_context(configured: User, kb: KnowledgeClient) -> None:
    dataset_id = _indexed(kb)
    app = make_app(configured, "completion", _configs(dataset_id))
    response = app.post(
        "/completion-messages",
        {"query": "helm migrations", "inputs": {}, "user": "u1", "response_mode": "blocking"},
    )
    assert response.status_code == 200, response.text
    answer = response.json()["answer"]  # the test model echoes the user message
    assert "<context>" in answer and "pre-upgrade job" in answer
    assert "Penguins" not in answer  # top_k 1


def test_citations_off_when_retriever_resource_disabled(
    configured: User, kb: KnowledgeClient
) -> None:
    dataset_id = _indexed(kb)
    app = make_app(
        configured, "chat", {**_configs(dataset_id), "retriever_resource": {"enabled": False}}
    )
    assert _chat(app, "Which birds cannot fly?")["metadata"]["retriever_resources"] == []


@pytest.fixture
def store_down(process: Process) -> Iterator[InMemoryVectorStore]:
    vectors = process.services.knowledge.vectors
    down = InMemoryVectorStore()
    down.available = False
    original = vectors.replace(down)
    yield down
    vectors.replace(original)


def test_chat_answers_when_the_vector_store_is_down(
    configured: User, kb: KnowledgeClient, store_down: InMemoryVectorStore
) -> None:
    vectors = kb.client.app.state.services.knowledge.vectors
    dataset_id = _indexed_while_up(kb, vectors, store_down)
    app = make_app(configured, "chat", _configs(dataset_id))
    end = _chat(app, "Which penguins cannot fly?")
    notes = end["metadata"]["knowledge_notes"]
    assert any("semantic_search unavailable" in n for n in notes), notes
    assert any("SQL keyword search" in n for n in notes), notes
    # The SQL keyword fallback still finds the penguin segment.
    assert "Penguins" in end["metadata"]["retriever_resources"][0]["content"]


def _indexed_while_up(kb: KnowledgeClient, vectors: Any, down: InMemoryVectorStore) -> str:
    down.available = True
    try:
        return _indexed(kb)
    finally:
        down.available = False


def test_unknown_dataset_in_app_config_answers_without_context(configured: User) -> None:
    app = make_app(configured, "chat", _configs("3f1c1b0e-0000-4000-8000-000000000000"))
    end = _chat(app, "anything")
    assert end["metadata"]["retriever_resources"] == []
    assert any("retrieval failed" in n for n in end["metadata"]["knowledge_notes"])
