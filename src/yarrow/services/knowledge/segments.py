"""Segments edited by hand: add, change, delete, each written to SQL and the vector store.

A write embeds the new text (through the SQL cache) before anything is stored, so a failing
model or store leaves SQL unchanged. Only general (non parent-child) documents are editable here.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from yarrow.db.base import new_id, utcnow
from yarrow.db.engine import Database
from yarrow.db.models import Dataset, Document, DocumentSegment
from yarrow.errors import InvalidInput, NotFound
from yarrow.services.knowledge.embeddings import EmbeddingCache, text_hash
from yarrow.services.knowledge.indexing import EmbedderResolver
from yarrow.services.knowledge.vectors import VectorIndex
from yarrow.vectorstores import VectorRecord

MAX_CONTENT = 20_000


class SegmentService:
    """Hand edits of a completed document's segments."""

    def __init__(
        self,
        database: Database,
        vectors: VectorIndex,
        embeddings: EmbeddingCache,
        resolve_embedder: EmbedderResolver,
    ) -> None:
        self._db = database
        self._vectors = vectors
        self._embeddings = embeddings
        self._resolve = resolve_embedder

    async def add(
        self, dataset: Dataset, doc: Document, items: Any, created_by: str
    ) -> list[DocumentSegment]:
        """Append segments (``{"content", "answer"?, "keywords"?}``) to ``doc``."""
        if not isinstance(items, list) or not items:
            raise InvalidInput("segments must be a non-empty list.", params="segments")
        contents = [_content(item) for item in items]
        self._check_editable(doc)
        with self._db.session() as session:
            last = session.scalar(
                select(func.max(DocumentSegment.position)).where(
                    DocumentSegment.document_id == doc.id
                )
            )
        rows = [
            DocumentSegment(
                id=new_id(),
                tenant_id=doc.tenant_id,
                dataset_id=doc.dataset_id,
                document_id=doc.id,
                position=(last or 0) + i,
                content=content,
                answer=item.get("answer") if isinstance(item.get("answer"), str) else None,
                keywords=[str(k) for k in item.get("keywords") or []],
                word_count=len(content),
                text_hash=text_hash(content),
                created_by=created_by,
                status="completed",
                completed_at=utcnow(),
            )
            for i, (item, content) in enumerate(zip(items, contents, strict=True), start=1)
        ]
        vectors = await self._embed(dataset, contents)
        await asyncio.to_thread(self._insert, doc.id, rows)
        try:
            await self._upsert(dataset, doc, rows, vectors)
        except BaseException:
            await asyncio.to_thread(self._remove, doc.id, [r.id for r in rows])
            raise
        return rows

    def _insert(self, document_id: str, rows: list[DocumentSegment]) -> None:
        with self._db.transaction() as session:
            session.add_all(rows)
            stored = session.get(Document, document_id)
            if stored is not None:
                stored.total_segments += len(rows)
                stored.completed_segments += len(rows)
            session.flush()
            session.expunge_all()

    def _remove(self, document_id: str, ids: list[str]) -> None:
        with self._db.transaction() as session:
            for segment_id in ids:
                row = session.get(DocumentSegment, segment_id)
                if row is not None:
                    session.delete(row)
            stored = session.get(Document, document_id)
            if stored is not None:
                stored.total_segments -= len(ids)
                stored.completed_segments -= len(ids)

    async def update(
        self, dataset: Dataset, doc: Document, segment_id: str, fields: Any
    ) -> DocumentSegment:
        """Change content, answer, keywords or enabled of one segment."""
        if not isinstance(fields, dict):
            raise InvalidInput("segment must be an object.", params="segment")
        self._check_editable(doc)
        current = self.get(doc, segment_id)
        content = _content(fields) if "content" in fields else current.content
        vectors = await self._embed(dataset, [content])
        current.content = content
        await self._upsert(dataset, doc, [current], vectors)
        return await asyncio.to_thread(self._change, doc.id, segment_id, content, fields)

    def _change(
        self, document_id: str, segment_id: str, content: str, fields: dict[str, Any]
    ) -> DocumentSegment:
        with self._db.transaction() as session:
            row = self._segment(session, document_id, segment_id)
            row.content = content
            row.word_count = len(content)
            row.text_hash = text_hash(content)
            if isinstance(fields.get("answer"), str):
                row.answer = fields["answer"]
            if isinstance(fields.get("keywords"), list):
                row.keywords = [str(k) for k in fields["keywords"]]
            if isinstance(fields.get("enabled"), bool):
                row.enabled = fields["enabled"]
            session.flush()
            session.expunge(row)
            return row

    async def delete(self, dataset: Dataset, doc: Document, segment_id: str) -> None:
        """Delete one segment and its vector."""
        self.get(doc, segment_id)
        if dataset.indexing_technique == "high_quality":
            store, name = self._vectors.store, self._vectors.collection(dataset.id)
            await asyncio.to_thread(store.delete, name, [segment_id])
        await asyncio.to_thread(self._remove, doc.id, [segment_id])

    def get(self, doc: Document, segment_id: str) -> DocumentSegment:
        """One segment of ``doc`` or 404."""
        with self._db.session() as session:
            return self._segment(session, doc.id, segment_id)

    async def _embed(self, dataset: Dataset, texts: list[str]) -> list[tuple[float, ...]]:
        if dataset.indexing_technique != "high_quality":
            return []
        provider, model = await self._resolve(dataset)
        return await self._embeddings.embed(provider, model, texts)

    async def _upsert(
        self,
        dataset: Dataset,
        doc: Document,
        rows: list[DocumentSegment],
        vectors: list[tuple[float, ...]],
    ) -> None:
        if not vectors:
            return
        store, name = self._vectors.store, self._vectors.collection(dataset.id)
        await asyncio.to_thread(store.create_collection, name, len(vectors[0]))
        records = [
            VectorRecord(
                id=row.id,
                document_id=doc.id,
                text=row.content,
                vector=vector,
                metadata={"dataset_id": dataset.id, "segment_id": row.id},
            )
            for row, vector in zip(rows, vectors, strict=True)
        ]
        await asyncio.to_thread(store.upsert, name, records)

    @staticmethod
    def _check_editable(doc: Document) -> None:
        if doc.doc_form == "hierarchical_model":
            raise InvalidInput("Segments of parent-child documents cannot be edited yet.")
        if doc.indexing_status != "completed":
            raise InvalidInput("The document is still being indexed.", code="document_indexing")

    @staticmethod
    def _segment(session: Any, document_id: str, segment_id: str) -> DocumentSegment:
        row = session.scalar(
            select(DocumentSegment).where(
                DocumentSegment.id == segment_id, DocumentSegment.document_id == document_id
            )
        )
        if row is None:
            raise NotFound("Segment not found.", code="segment_not_found")
        assert isinstance(row, DocumentSegment)
        return row


def _content(item: Any) -> str:
    content = item.get("content") if isinstance(item, dict) else None
    if not isinstance(content, str) or not content.strip():
        raise InvalidInput("content is required.", params="content")
    if len(content) > MAX_CONTENT:
        raise InvalidInput(f"content must be at most {MAX_CONTENT} characters.")
    return content
