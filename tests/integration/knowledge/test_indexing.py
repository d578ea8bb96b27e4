"""The indexing task: resumable after a crash mid-document, idempotent, never re-embedding."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.integration.knowledge.conftest import KnowledgeClient
from yarrow.db.models import Document, DocumentSegment
from yarrow.entrypoints.wiring import Process
from yarrow.services.knowledge import KnowledgeService, indexing
from yarrow.vectorstores import VectorRecord, VectorStoreUnavailable
from yarrow.vectorstores.memory import InMemoryVectorStore

PARAGRAPHS = "\n\n".join(
    f"Paragraph {i} is about topic number {i} and nothing else." for i in range(6)
)
RULE = {
    "mode": "custom",
    "rules": {
        "pre_processing_rules": [],
        "segmentation": {"separator": "\\n\\n", "max_tokens": 80},
    },
}


class CrashingStore(InMemoryVectorStore):
    """Fails the n-th upsert, like a worker killed mid-document."""

    def __init__(self, fail_on: int) -> None:
        super().__init__()
        self.fail_on, self.upserts = fail_on, 0

    def _upsert(self, name: str, records: list[VectorRecord]) -> None:
        self.upserts += 1
        if self.upserts == self.fail_on:
            raise VectorStoreUnavailable("killed mid-document")
        super()._upsert(name, records)


@pytest.fixture
def manual(process: Process, monkeypatch: pytest.MonkeyPatch) -> Iterator[KnowledgeService]:
    """The knowledge service with indexing run by the test, on a crashing in-memory store."""
    knowledge = process.services.knowledge
    monkeypatch.setattr(knowledge.datasets, "dispatch", lambda _document_id: None)
    monkeypatch.setattr(indexing, "INDEX_BATCH", 2)
    original = knowledge.vectors.replace(CrashingStore(fail_on=2))
    yield knowledge
    knowledge.vectors.replace(original)


def _document(kb: KnowledgeClient) -> tuple[str, str]:
    dataset = kb.dataset("Crash")
    created = kb.add_text(dataset["id"], "six.txt", PARAGRAPHS, process_rule=RULE)
    return str(dataset["id"]), str(created["document"]["id"])


def _segments(process: Process, document_id: str) -> list[DocumentSegment]:
    with process.database.session() as session:
        return list(
            session.scalars(
                select(DocumentSegment)
                .where(DocumentSegment.document_id == document_id)
                .order_by(DocumentSegment.position)
            )
        )


def _doc(process: Process, document_id: str) -> Document:
    with process.database.session() as session:
        row = session.get(Document, document_id)
    assert row is not None
    return row


def test_crash_mid_document_then_rerun_writes_each_segment_once(
    kb: KnowledgeClient, manual: KnowledgeService, process: Process
) -> None:
    dataset_id, document_id = _document(kb)
    store = manual.vectors.store
    collection = manual.vectors.collection(dataset_id)
    with pytest.raises(VectorStoreUnavailable):
        manual.index_document(document_id)
    doc = _doc(process, document_id)
    assert doc.indexing_status == "error" and doc.error is not None
    assert "killed mid-document" in doc.error
    assert (doc.completed_segments, doc.total_segments) == (2, 6)
    first_ids = [s.id for s in _segments(process, document_id)]
    assert store.count(collection) == 2
    calls = manual.embeddings.provider_calls

    manual.index_document(document_id)  # the retry
    doc = _doc(process, document_id)
    assert doc.indexing_status == "completed" and doc.error is None
    assert (doc.completed_segments, doc.total_segments) == (6, 6)
    segments = _segments(process, document_id)
    assert [s.id for s in segments] == first_ids  # resumed, not re-created
    assert [s.position for s in segments] == [1, 2, 3, 4, 5, 6]
    assert store.count(collection) == 6
    assert {r.id for r in store.iter_records(collection)} == set(first_ids)
    # batch 2 was embedded before the crash (cached); only batch 3 reached the model
    assert manual.embeddings.provider_calls == calls + 1


def test_completed_document_rerun_is_a_noop(
    kb: KnowledgeClient, manual: KnowledgeService, process: Process
) -> None:
    manual.vectors.replace(InMemoryVectorStore())
    _, document_id = _document(kb)
    manual.index_document(document_id)
    before = [(s.id, s.updated_at) for s in _segments(process, document_id)]
    manual.index_document(document_id)
    assert [(s.id, s.updated_at) for s in _segments(process, document_id)] == before


def test_rebuilding_the_index_never_calls_the_embedding_model(
    kb: KnowledgeClient, manual: KnowledgeService, process: Process
) -> None:
    manual.vectors.replace(InMemoryVectorStore())
    dataset_id, document_id = _document(kb)
    manual.index_document(document_id)
    calls = manual.embeddings.provider_calls
    # lose the vector store entirely and re-index from SQL
    fresh = InMemoryVectorStore()
    manual.vectors.replace(fresh)
    with process.database.transaction() as session:
        doc = session.get(Document, document_id)
        assert doc is not None
        doc.indexing_status = "waiting"
        for segment in session.scalars(
            select(DocumentSegment).where(DocumentSegment.document_id == document_id)
        ):
            segment.status = "waiting"
    manual.index_document(document_id)
    assert manual.embeddings.provider_calls == calls
    assert fresh.count(manual.vectors.collection(dataset_id)) == 6


def test_changed_split_replaces_segments_and_vectors(
    kb: KnowledgeClient, manual: KnowledgeService, process: Process
) -> None:
    store = InMemoryVectorStore()
    manual.vectors.replace(store)
    dataset_id, document_id = _document(kb)
    manual.index_document(document_id)
    with process.database.transaction() as session:
        doc = session.get(Document, document_id)
        assert doc is not None
        doc.indexing_status = "waiting"
        doc.process_rule = {
            "mode": "custom",
            "rules": {
                "pre_processing_rules": [],
                "segmentation": {"separator": "###", "max_tokens": 1000},
            },
        }
    manual.index_document(document_id)
    segments = _segments(process, document_id)
    assert len(segments) == 1
    collection = manual.vectors.collection(dataset_id)
    assert [r.id for r in store.iter_records(collection)] == [segments[0].id]
    with process.database.session() as session:
        total = session.scalar(
            select(func.count()).where(DocumentSegment.document_id == document_id)
        )
    assert total == 1


def test_embedding_model_failure_marks_the_document(
    kb: KnowledgeClient, manual: KnowledgeService, process: Process, monkeypatch: Any
) -> None:
    from yarrow.errors import UpstreamUnavailable

    manual.vectors.replace(InMemoryVectorStore())

    async def broken(_dataset: Any) -> Any:
        raise UpstreamUnavailable("embedding provider is down")

    monkeypatch.setattr(manual.indexer, "_resolve", broken)
    _, document_id = _document(kb)
    with pytest.raises(UpstreamUnavailable):
        manual.index_document(document_id)
    doc = _doc(process, document_id)
    assert doc.indexing_status == "error" and "embedding provider is down" in (doc.error or "")


def test_documents_are_indexed_by_the_in_process_task_runner(
    kb: KnowledgeClient, process: Process
) -> None:
    """The wiring of ``yarrow serve``: the task is registered, enqueued and run by the runner."""
    from yarrow.db.models import TaskRecord
    from yarrow.tasks import build_task_system

    knowledge = process.services.knowledge
    system = build_task_system(
        process.settings.celery,
        process.database,
        in_process=True,
        registrations=(knowledge.register_tasks,),
        poll_interval=0.05,
    )
    assert system.runner is not None
    knowledge.attach_queue(system.queue)
    system.runner.start()
    try:
        dataset = kb.dataset()
        created = kb.add_text(dataset["id"], "q.txt", "Queued text about swifts.")
        assert kb.wait(dataset["id"], created["batch"])["indexing_status"] == "completed"
    finally:
        system.runner.stop()
        knowledge.attach_queue(None)
    with process.database.session() as session:
        records = session.scalars(
            select(TaskRecord).where(TaskRecord.name == indexing.TASK_NAME)
        ).all()
    assert [r.status for r in records] == ["succeeded"]
    assert json.loads(records[0].args) == {"document_id": created["document"]["id"]}


def test_document_deleted_while_indexing_leaves_no_vectors(
    kb: KnowledgeClient, manual: KnowledgeService, process: Process, monkeypatch: Any
) -> None:
    store = InMemoryVectorStore()
    manual.vectors.replace(store)
    dataset_id, document_id = _document(kb)
    resolve = manual.indexer._resolve

    async def delete_then_resolve(dataset: Any) -> Any:
        if kb.get(f"/datasets/{dataset_id}/documents/{document_id}").status_code == 200:
            assert kb.delete(f"/datasets/{dataset_id}/documents/{document_id}").status_code == 204
        return await resolve(dataset)

    monkeypatch.setattr(manual.indexer, "_resolve", delete_then_resolve)
    manual.index_document(document_id)  # no exception
    collection = manual.vectors.collection(dataset_id)
    assert not store.has_collection(collection) or store.count(collection) == 0
    assert _segments(process, document_id) == []
