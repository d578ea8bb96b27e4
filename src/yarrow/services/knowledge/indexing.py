"""The ``dataset.index_document`` task: waiting -> parsing -> cleaning -> splitting -> indexing
-> completed (or ``error`` with the reason).

Idempotent and resumable: splitting is deterministic, and segments already stored with the same
texts in the same order are kept (a changed split replaces them in one transaction, vectors
included). Only segments not yet ``completed`` are embedded and upserted, by segment id, so a run
killed mid-document and run again writes each segment once. Embeddings come from the SQL cache
when the same model has seen the text before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from yarrow.db.base import utcnow
from yarrow.db.engine import Database
from yarrow.db.models import ChildChunk, Dataset, Document, DocumentSegment, UploadFile
from yarrow.errors import InvalidInput, UnsupportedMediaType, YarrowError
from yarrow.models import EmbeddingModel
from yarrow.rag import Chunk, ProcessRule
from yarrow.rag.extractors import extract_file
from yarrow.services.knowledge.embeddings import EmbeddingCache, text_hash
from yarrow.services.knowledge.vectors import VectorIndex
from yarrow.storage import ObjectStorage
from yarrow.vectorstores import VectorRecord

logger = logging.getLogger(__name__)
TASK_NAME = "dataset.index_document"
#: Segments embedded and upserted per step (progress is saved after each).
INDEX_BATCH = 64
#: Resolves a dataset's embedding model: ``(provider, model)``.
EmbedderResolver = Callable[[Dataset], Awaitable[tuple[str, EmbeddingModel]]]


@dataclass(frozen=True)
class _Unit:
    """One vector-store record to write: a segment, or a child chunk of one."""

    id: str
    segment_id: str
    text: str


class Indexer:
    """Runs the indexing pipeline of one document."""

    def __init__(
        self,
        database: Database,
        storage: ObjectStorage,
        vectors: VectorIndex,
        embeddings: EmbeddingCache,
        resolve_embedder: EmbedderResolver,
    ) -> None:
        self._db = database
        self._storage = storage
        self._vectors = vectors
        self._embeddings = embeddings
        self._resolve = resolve_embedder

    async def run(self, document_id: str) -> None:
        """Index ``document_id``; a deleted or completed document is a no-op.

        Bad input (unreadable file, invalid rule, no text) ends in status ``error`` with the
        reason and does not raise; an unavailable dependency records the reason and raises so
        the task queue retries.
        """
        with self._db.session() as session:
            doc = session.get(Document, document_id)
            dataset = session.get(Dataset, doc.dataset_id) if doc is not None else None
        if doc is None or dataset is None or doc.indexing_status == "completed":
            return
        try:
            self._status(document_id, "parsing", started=True)
            text = await self._text(doc)
            self._status(document_id, "cleaning", word_count=len(text))
            chunks = ProcessRule.from_dify(doc.process_rule or None).chunk(text)
            self._status(document_id, "splitting")
            if not chunks:
                raise InvalidInput("The document has no text to index after cleaning.")
            self._store_segments(doc, chunks)
            self._status(document_id, "indexing")
            await self._index(dataset, doc)
            if not self._exists(document_id):  # deleted meanwhile: drop what we wrote
                store, name = self._vectors.store, self._vectors.collection(dataset.id)
                await asyncio.to_thread(store.delete_by_document, name, [document_id])
                return
            self._status(document_id, "completed", completed=True)
        except (InvalidInput, UnsupportedMediaType) as exc:
            logger.info("document %s failed to index: %s", document_id, exc)
            self._status(document_id, "error", error=str(exc))
        except YarrowError as exc:
            self._status(document_id, "error", error=str(exc))
            raise
        except IntegrityError:
            if self._exists(document_id):
                raise
            logger.info("document %s was deleted while it was indexed", document_id)

    def _exists(self, document_id: str) -> bool:
        with self._db.session() as session:
            return session.get(Document, document_id) is not None

    # ------------------------------------------------------------------------------- stages
    async def _text(self, doc: Document) -> str:
        if doc.upload_file_id is None:
            return doc.content or ""
        with self._db.session() as session:
            upload = session.get(UploadFile, doc.upload_file_id)
        if upload is None:
            raise InvalidInput("The document's file no longer exists.")
        data = await self._storage.load(upload.storage_key)
        extracted = await asyncio.to_thread(extract_file, data, upload.name)
        return extracted.text

    def _store_segments(self, doc: Document, chunks: list[Chunk]) -> None:
        """Keep matching segments; otherwise replace them (and their vectors) at once."""
        hashes = [text_hash(c.text) for c in chunks]
        with self._db.session() as session:
            existing = session.scalars(
                select(DocumentSegment.text_hash)
                .where(DocumentSegment.document_id == doc.id)
                .order_by(DocumentSegment.position)
            ).all()
        if list(existing) == hashes:
            return
        if existing:
            self._vectors.store.delete_by_document(
                self._vectors.collection(doc.dataset_id), [doc.id]
            )
        with self._db.transaction() as session:
            session.execute(delete(DocumentSegment).where(DocumentSegment.document_id == doc.id))
            session.execute(delete(ChildChunk).where(ChildChunk.document_id == doc.id))
            for chunk, digest in zip(chunks, hashes, strict=True):
                segment = DocumentSegment(
                    tenant_id=doc.tenant_id,
                    dataset_id=doc.dataset_id,
                    document_id=doc.id,
                    position=chunk.position,
                    content=chunk.text,
                    word_count=chunk.char_count,
                    text_hash=digest,
                    created_by=doc.created_by,
                )
                session.add(segment)
                session.flush()
                for position, child in enumerate(chunk.children, start=1):
                    session.add(
                        ChildChunk(
                            tenant_id=doc.tenant_id,
                            dataset_id=doc.dataset_id,
                            document_id=doc.id,
                            segment_id=segment.id,
                            position=position,
                            content=child,
                            word_count=len(child),
                            text_hash=text_hash(child),
                            created_by=doc.created_by,
                        )
                    )
            session.execute(
                update(Document)
                .where(Document.id == doc.id)
                .values(total_segments=len(chunks), completed_segments=0)
            )

    async def _index(self, dataset: Dataset, doc: Document) -> None:
        while True:
            with self._db.session() as session:
                pending = session.scalars(
                    select(DocumentSegment)
                    .where(
                        DocumentSegment.document_id == doc.id,
                        DocumentSegment.status != "completed",
                    )
                    .order_by(DocumentSegment.position)
                    .limit(INDEX_BATCH)
                ).all()
                if not pending:
                    break
                ids = [s.id for s in pending]
                units = self._units(session, list(pending))
            if dataset.indexing_technique == "high_quality":
                await self._embed_and_upsert(dataset, doc, units)
            with self._db.transaction() as session:
                now = utcnow()
                session.execute(
                    update(DocumentSegment)
                    .where(DocumentSegment.id.in_(ids))
                    .values(status="completed", indexing_at=now, completed_at=now)
                )
                session.execute(
                    update(Document)
                    .where(Document.id == doc.id)
                    .values(completed_segments=Document.completed_segments + len(ids))
                )
        if dataset.indexing_technique == "high_quality":
            store, collection = self._vectors.store, self._vectors.collection(dataset.id)
            if await asyncio.to_thread(store.has_collection, collection):
                await asyncio.to_thread(store.optimize, collection)

    @staticmethod
    def _units(session: object, segments: list[DocumentSegment]) -> list[_Unit]:
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        children = session.scalars(
            select(ChildChunk)
            .where(ChildChunk.segment_id.in_([s.id for s in segments]))
            .order_by(ChildChunk.segment_id, ChildChunk.position)
        ).all()
        by_segment: dict[str, list[ChildChunk]] = {}
        for child in children:
            by_segment.setdefault(child.segment_id, []).append(child)
        units: list[_Unit] = []
        for segment in segments:
            kids = by_segment.get(segment.id)
            if kids:
                units += [_Unit(c.id, segment.id, c.content) for c in kids]
            else:
                units.append(_Unit(segment.id, segment.id, segment.content))
        return units

    async def _embed_and_upsert(self, dataset: Dataset, doc: Document, units: list[_Unit]) -> None:
        provider, model = await self._resolve(dataset)
        vectors = await self._embeddings.embed(provider, model, [u.text for u in units])
        store = self._vectors.store
        collection = self._vectors.collection(dataset.id)
        await asyncio.to_thread(store.create_collection, collection, len(vectors[0]))
        records = [
            VectorRecord(
                id=unit.id,
                document_id=doc.id,
                text=unit.text,
                vector=vector,
                metadata={"dataset_id": dataset.id, "segment_id": unit.segment_id},
            )
            for unit, vector in zip(units, vectors, strict=True)
        ]
        await asyncio.to_thread(store.upsert, collection, records)

    def _status(
        self,
        document_id: str,
        status: str,
        *,
        started: bool = False,
        completed: bool = False,
        error: str | None = None,
        word_count: int | None = None,
    ) -> None:
        values: dict[str, object] = {"indexing_status": status, "error": error}
        if started:
            values["processing_started_at"] = utcnow()
        if completed:
            values["completed_at"] = utcnow()
        if word_count is not None:
            values["word_count"] = word_count
        with self._db.transaction() as session:
            session.execute(update(Document).where(Document.id == document_id).values(**values))
