"""The knowledge facade: datasets, documents, indexing dispatch and retrieval, wired together."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from yarrow.db.engine import Database
from yarrow.db.models import Dataset, DatasetQuery, Document
from yarrow.errors import YarrowError
from yarrow.models import EmbeddingModel, ModelType
from yarrow.services.knowledge.datasets import DatasetService
from yarrow.services.knowledge.embeddings import EmbeddingCache
from yarrow.services.knowledge.indexing import TASK_NAME, Indexer
from yarrow.services.knowledge.retrieval import RetrievalResult, Retriever
from yarrow.services.knowledge.retrieval_config import RetrievalConfig
from yarrow.services.knowledge.segments import SegmentService
from yarrow.services.knowledge.vectors import VectorIndex
from yarrow.services.model_providers import ModelProviderService
from yarrow.storage import ObjectStorage
from yarrow.tasks import Schedule, TaskQueue, TaskRegistry

logger = logging.getLogger(__name__)


class KnowledgeService:
    """Everything knowledge bases do; one per process.

    Indexing is dispatched to the task queue once :meth:`attach_queue` was called (``yarrow
    serve`` and workers); before that, a daemon thread of this process runs it.
    """

    def __init__(
        self,
        database: Database,
        storage: ObjectStorage,
        providers: ModelProviderService,
        vectors: VectorIndex,
    ) -> None:
        self._db = database
        self._providers = providers
        self.vectors = vectors
        self.embeddings = EmbeddingCache(database)
        self.datasets = DatasetService(database, self._dispatch)
        self.indexer = Indexer(database, storage, vectors, self.embeddings, self._embedder)
        self.retriever = Retriever(database, vectors, self._embedder)
        self.segment_edits = SegmentService(database, vectors, self.embeddings, self._embedder)
        self._queue: TaskQueue | None = None

    # ------------------------------------------------------------------------------ indexing
    def attach_queue(self, queue: TaskQueue | None) -> None:
        """Dispatch indexing through ``queue`` from now on (``None``: a local thread)."""
        self._queue = queue

    def register_tasks(self, registry: TaskRegistry, schedule: Schedule) -> None:
        """A ``Registration`` for ``build_task_system``: registers ``dataset.index_document``."""
        del schedule
        registry.register(
            TASK_NAME,
            self.index_document,
            queue="dataset",
            max_retries=3,
            backoff=2.0,
            backoff_max=600,
            time_limit=3600,
        )

    def index_document(self, document_id: str) -> None:
        """Run the indexing pipeline of one document to its end (blocking)."""
        asyncio.run(self._index(document_id))

    async def _index(self, document_id: str) -> None:
        try:
            await self.indexer.run(document_id)
        finally:
            await self._providers.runtime.release_clients()

    def _dispatch(self, document_id: str) -> None:
        if self._queue is not None:
            self._queue.enqueue(TASK_NAME, {"document_id": document_id})
            return
        thread = threading.Thread(
            target=self._index_logged, args=(document_id,), name="index-document", daemon=True
        )
        thread.start()

    def _index_logged(self, document_id: str) -> None:
        try:
            self.index_document(document_id)
        except YarrowError as exc:
            logger.warning("indexing document %s failed: %s", document_id, exc)
        except Exception:  # top-level handler of this thread
            logger.exception("indexing document %s failed", document_id)

    async def _embedder(self, dataset: Dataset) -> tuple[str, EmbeddingModel]:
        provider, name = dataset.embedding_model_provider, dataset.embedding_model
        if not provider or not name:
            choice = await self._providers.default_model(
                dataset.tenant_id, ModelType.TEXT_EMBEDDING
            )
            provider, name = choice.provider, choice.model
            await asyncio.to_thread(self._remember_model, dataset.id, provider, name)
            dataset.embedding_model_provider, dataset.embedding_model = provider, name
        credentials = await asyncio.to_thread(
            self._providers.credentials_for, dataset.tenant_id, provider
        )
        return provider, self._providers.runtime.embedding_model(provider, credentials, name)

    def _remember_model(self, dataset_id: str, provider: str, name: str) -> None:
        with self._db.transaction() as session:
            row = session.get(Dataset, dataset_id)
            if row is not None and not row.embedding_model:
                row.embedding_model_provider, row.embedding_model = provider, name

    # ------------------------------------------------------------------------------ deletion
    def delete_dataset(self, tenant_id: str, dataset_id: str) -> None:
        """Delete a dataset and drop its collection (a store that is down is only logged)."""
        self.datasets.delete(tenant_id, dataset_id)
        try:
            self.vectors.store.drop_collection(self.vectors.collection(dataset_id))
        except YarrowError as exc:
            logger.warning("vectors of deleted dataset %s left behind: %s", dataset_id, exc)

    def delete_document(self, tenant_id: str, dataset_id: str, document_id: str) -> None:
        """Delete a document and its vectors (a store that is down is only logged)."""
        self.datasets.delete_document(tenant_id, dataset_id, document_id)
        try:
            self.vectors.store.delete_by_document(
                self.vectors.collection(dataset_id), [document_id]
            )
        except YarrowError as exc:
            logger.warning("vectors of deleted document %s left behind: %s", document_id, exc)

    # ------------------------------------------------------------------------------ retrieval
    async def retrieve(
        self,
        tenant_id: str,
        dataset_ids: Sequence[str],
        query: str,
        retrieval_model: Any = None,
        *,
        source: str = "app",
        created_by: str = "",
        created_by_role: str = "account",
    ) -> tuple[RetrievalResult, RetrievalConfig]:
        """Search the workspace's datasets; the first dataset's settings fill missing fields.

        Unknown dataset ids raise ``NotFound`` when only one was asked for and are skipped
        otherwise (an app may reference a deleted dataset).
        """
        datasets = await asyncio.to_thread(self._datasets, tenant_id, dataset_ids)
        base = RetrievalConfig.from_dify(datasets[0].retrieval_model) if datasets else None
        config = RetrievalConfig.from_dify(retrieval_model, base)
        result = await self.retriever.retrieve(datasets, query, config)
        if datasets:
            await asyncio.to_thread(
                self._record_query, datasets, query, source, created_by, created_by_role
            )
        return result, config

    def _datasets(self, tenant_id: str, dataset_ids: Sequence[str]) -> list[Dataset]:
        if len(dataset_ids) == 1:
            return [self.datasets.get(tenant_id, dataset_ids[0])]
        with self._db.session() as session:
            return list(
                session.scalars(
                    select(Dataset).where(
                        Dataset.tenant_id == tenant_id, Dataset.id.in_(list(dataset_ids))
                    )
                ).all()
            )

    def _record_query(
        self, datasets: list[Dataset], query: str, source: str, by: str, role: str
    ) -> None:
        with self._db.transaction() as session:
            for dataset in datasets:
                session.add(
                    DatasetQuery(
                        dataset_id=dataset.id,
                        content=query,
                        source=source,
                        created_by=by,
                        created_by_role=role,
                    )
                )

    def queries(self, tenant_id: str, dataset_id: str, limit: int = 20) -> list[DatasetQuery]:
        """Recent queries of a dataset, newest first."""
        self.datasets.get(tenant_id, dataset_id)
        with self._db.session() as session:
            return list(
                session.scalars(
                    select(DatasetQuery)
                    .where(DatasetQuery.dataset_id == dataset_id)
                    .order_by(DatasetQuery.created_at.desc())
                    .limit(limit)
                ).all()
            )

    def segments(self, tenant_id: str, dataset_id: str, document_id: str) -> list[Any]:
        """Segments of a document by position."""
        from yarrow.db.models import DocumentSegment

        self.datasets.document(tenant_id, dataset_id, document_id)
        with self._db.session() as session:
            return list(
                session.scalars(
                    select(DocumentSegment)
                    .where(DocumentSegment.document_id == document_id)
                    .order_by(DocumentSegment.position)
                ).all()
            )

    def document_rows(self, ids: Sequence[str]) -> list[Document]:
        """Documents by id (internal lookups)."""
        with self._db.session() as session:
            return list(session.scalars(select(Document).where(Document.id.in_(list(ids)))).all())
