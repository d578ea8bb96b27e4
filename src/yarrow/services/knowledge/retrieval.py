"""Retrieval over one or more datasets: semantic, full-text, hybrid, with graceful degradation.

* Scores are in [0, 1] (the vector store's normalisation); hybrid fuses them with the weights
  ``vector_weight * s_vector + keyword_weight * s_text`` divided by the weight sum.
* ``score_threshold`` and ``top_k`` apply after fusion, across all datasets.
* A channel that fails (vector store down, embedding provider down) is dropped and named in
  :attr:`RetrievalResult.degraded`; the request does not fail. When every channel of a dataset
  fails, a SQL keyword search over its segments answers instead (the vector store is derived
  data; SQL is the source of truth). ``economy`` datasets always use the SQL keyword search.
* Parent-child: child chunks are matched, their parent segment is returned (best child score).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import or_, select, update

from yarrow.db.engine import Database
from yarrow.db.models import Dataset, Document, DocumentSegment
from yarrow.errors import YarrowError
from yarrow.services.knowledge.indexing import EmbedderResolver
from yarrow.services.knowledge.retrieval_config import RetrievalConfig
from yarrow.services.knowledge.vectors import VectorIndex
from yarrow.vectorstores import CollectionNotFound, SearchHit, document_ids
from yarrow.vectorstores.scoring import coverage_score, terms

logger = logging.getLogger(__name__)
#: Candidates per channel, per requested hit, before fusion.
OVERFETCH = 3
#: Most segments a SQL keyword fallback scores.
SQL_CANDIDATES = 400


@dataclass(frozen=True)
class RetrievedSegment:
    """A segment returned by retrieval with its document, dataset and fused score."""

    segment: DocumentSegment
    document: Document
    dataset: Dataset
    score: float


@dataclass
class RetrievalResult:
    """Records best first, plus the channels that were dropped and why."""

    records: list[RetrievedSegment] = field(default_factory=list)
    degraded: list[str] = field(default_factory=list)


class Retriever:
    """Searches datasets per a :class:`RetrievalConfig`."""

    def __init__(
        self, database: Database, vectors: VectorIndex, resolve_embedder: EmbedderResolver
    ) -> None:
        self._db = database
        self._vectors = vectors
        self._resolve = resolve_embedder

    async def retrieve(
        self, datasets: Sequence[Dataset], query: str, config: RetrievalConfig
    ) -> RetrievalResult:
        """The best ``config.top_k`` segments of ``datasets`` for ``query``."""
        result = RetrievalResult()
        scores: dict[str, tuple[float, Dataset]] = {}
        for dataset in datasets:
            allowed = await asyncio.to_thread(self._searchable_documents, dataset.id)
            if not allowed:
                continue
            found = await self._dataset_scores(dataset, allowed, query, config, result)
            for segment_id, score in found.items():
                if segment_id not in scores or scores[segment_id][0] < score:
                    scores[segment_id] = (score, dataset)
        ranked = sorted(scores.items(), key=lambda item: (-item[1][0], item[0]))
        ranked = [item for item in ranked if item[1][0] >= config.threshold][: config.top_k]
        result.records = await asyncio.to_thread(self._load, ranked)
        return result

    async def _dataset_scores(
        self,
        dataset: Dataset,
        allowed: list[str],
        query: str,
        config: RetrievalConfig,
        result: RetrievalResult,
    ) -> dict[str, float]:
        limit = min(config.top_k * OVERFETCH, 1000)
        if dataset.indexing_technique != "high_quality":
            return await asyncio.to_thread(self._sql_keyword, dataset.id, allowed, query, limit)
        method = config.search_method
        channels: dict[str, dict[str, float]] = {}
        failures = 0
        if method in ("semantic_search", "hybrid_search"):
            try:
                channels["vector"] = await self._vector(dataset, allowed, query, limit)
            except YarrowError as exc:
                failures += 1
                self._drop(result, dataset, "semantic_search", exc)
        if method in ("full_text_search", "hybrid_search"):
            try:
                channels["text"] = await asyncio.to_thread(
                    self._full_text, dataset, allowed, query, limit
                )
            except YarrowError as exc:
                failures += 1
                self._drop(result, dataset, "full_text_search", exc)
        if not channels and failures:
            result.degraded.append(f"dataset {dataset.id}: answered by SQL keyword search")
            return await asyncio.to_thread(self._sql_keyword, dataset.id, allowed, query, limit)
        if len(channels) == 1:
            return next(iter(channels.values()))
        return _fuse(channels["vector"], channels["text"], config)

    async def _vector(
        self, dataset: Dataset, allowed: list[str], query: str, limit: int
    ) -> dict[str, float]:
        provider, model = await self._resolve(dataset)
        vector = (await model.embed([query])).vectors[0]
        store = self._vectors.store
        try:
            hits = await asyncio.to_thread(
                store.search_by_vector,
                self._vectors.collection(dataset.id),
                vector,
                top_k=limit,
                filter=document_ids(allowed),
            )
        except CollectionNotFound:
            return {}
        return _by_segment(hits)

    def _full_text(
        self, dataset: Dataset, allowed: list[str], query: str, limit: int
    ) -> dict[str, float]:
        store = self._vectors.store
        if not store.capabilities.full_text:
            return self._sql_keyword(dataset.id, allowed, query, limit)
        try:
            hits = store.search_by_full_text(
                self._vectors.collection(dataset.id),
                query,
                top_k=limit,
                filter=document_ids(allowed),
            )
        except CollectionNotFound:
            return {}
        return _by_segment(hits)

    def _sql_keyword(
        self, dataset_id: str, allowed: list[str], query: str, limit: int
    ) -> dict[str, float]:
        """Term coverage over segments containing any query term (same scale as full-text)."""
        query_terms = terms(query)
        if not query_terms:
            return {}
        with self._db.session() as session:
            rows = session.execute(
                select(DocumentSegment.id, DocumentSegment.content)
                .where(
                    DocumentSegment.dataset_id == dataset_id,
                    DocumentSegment.enabled.is_(True),
                    DocumentSegment.document_id.in_(allowed),
                    or_(*(DocumentSegment.content.ilike(f"%{t}%") for t in query_terms[:16])),
                )
                .limit(SQL_CANDIDATES)
            ).all()
        scored = {seg_id: coverage_score(query_terms, content) for seg_id, content in rows}
        best = sorted(((s, i) for i, s in scored.items() if s > 0), reverse=True)[:limit]
        return {seg_id: score for score, seg_id in best}

    def _searchable_documents(self, dataset_id: str) -> list[str]:
        with self._db.session() as session:
            return list(
                session.scalars(
                    select(Document.id).where(
                        Document.dataset_id == dataset_id,
                        Document.enabled.is_(True),
                        Document.archived.is_(False),
                        Document.indexing_status == "completed",
                    )
                ).all()
            )

    def _load(self, ranked: list[tuple[str, tuple[float, Dataset]]]) -> list[RetrievedSegment]:
        if not ranked:
            return []
        ids = [segment_id for segment_id, _ in ranked]
        with self._db.transaction() as session:
            segments = {
                s.id: s
                for s in session.scalars(
                    select(DocumentSegment).where(
                        DocumentSegment.id.in_(ids), DocumentSegment.enabled.is_(True)
                    )
                )
            }
            docs = {
                d.id: d
                for d in session.scalars(
                    select(Document).where(
                        Document.id.in_({s.document_id for s in segments.values()})
                    )
                )
            }
            session.execute(
                update(DocumentSegment)
                .where(DocumentSegment.id.in_(list(segments)))
                .values(hit_count=DocumentSegment.hit_count + 1)
            )
            session.expunge_all()
        return [
            RetrievedSegment(segments[i], docs[segments[i].document_id], dataset, score)
            for i, (score, dataset) in ranked
            if i in segments and segments[i].document_id in docs
        ]

    @staticmethod
    def _drop(result: RetrievalResult, dataset: Dataset, channel: str, exc: Exception) -> None:
        logger.warning("retrieval channel %s of dataset %s dropped: %s", channel, dataset.id, exc)
        result.degraded.append(f"dataset {dataset.id}: {channel} unavailable ({exc})")


def _by_segment(hits: list[SearchHit]) -> dict[str, float]:
    """Best score per parent segment (a child chunk's metadata names its segment)."""
    out: dict[str, float] = {}
    for hit in hits:
        segment_id = hit.metadata.get("segment_id")
        key = segment_id if isinstance(segment_id, str) else hit.id
        out[key] = max(out.get(key, 0.0), hit.score)
    return out


def _fuse(
    vector: dict[str, float], text: dict[str, float], config: RetrievalConfig
) -> dict[str, float]:
    total = config.vector_weight + config.keyword_weight
    return {
        key: (
            config.vector_weight * vector.get(key, 0.0) + config.keyword_weight * text.get(key, 0.0)
        )
        / total
        for key in vector.keys() | text.keys()
    }
