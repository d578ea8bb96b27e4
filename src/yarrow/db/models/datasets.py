"""Knowledge: datasets, documents, segments, child chunks, cached embeddings, queries.

SQL is the source of truth for segments and their embeddings; the vector store is derived from
these rows and can be rebuilt without calling an embedding provider (DESIGN §3, §8).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yarrow.db.base import Base, IdMixin, Timestamp, TimestampMixin, utcnow

#: Dify's dataset permissions.
DATASET_PERMISSIONS = ("only_me", "all_team_members", "partial_members")
INDEXING_TECHNIQUES = ("high_quality", "economy")
#: Document indexing statuses, in pipeline order, then the terminal and side states.
INDEXING_STATUSES = (
    "waiting",
    "parsing",
    "cleaning",
    "splitting",
    "indexing",
    "completed",
    "error",
    "paused",
)


class Dataset(IdMixin, TimestampMixin, Base):
    """A knowledge base of one workspace."""

    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_datasets_tenant_name"),)

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    permission: Mapped[str] = mapped_column(String(32), default="only_me", nullable=False)
    indexing_technique: Mapped[str | None] = mapped_column(String(32))
    embedding_model_provider: Mapped[str | None] = mapped_column(String(255))
    embedding_model: Mapped[str | None] = mapped_column(String(255))
    retrieval_model: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    doc_form: Mapped[str] = mapped_column(String(32), default="text_model", nullable=False)
    created_by: Mapped[str] = mapped_column(String(36), nullable=False)


class Document(IdMixin, TimestampMixin, Base):
    """One source (text or file) of a dataset, with its indexing status and progress."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_dataset_position", "dataset_id", "position"),)

    tenant_id: Mapped[str] = mapped_column(String(36), nullable=False)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    data_source_type: Mapped[str] = mapped_column(String(32), nullable=False)
    upload_file_id: Mapped[str | None] = mapped_column(String(36))
    #: The text of a ``create-by-text`` document (file documents keep theirs in storage).
    content: Mapped[str | None] = mapped_column(Text)
    process_rule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    doc_form: Mapped[str] = mapped_column(String(32), default="text_model", nullable=False)
    doc_language: Mapped[str] = mapped_column(String(64), default="English", nullable=False)
    indexing_status: Mapped[str] = mapped_column(String(16), default="waiting", nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True, nullable=False)
    archived: Mapped[bool] = mapped_column(default=False, nullable=False)
    #: Characters of the extracted text (Dify's ``word_count``).
    word_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    tokens: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    completed_segments: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    total_segments: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    batch: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    doc_metadata: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    created_by: Mapped[str] = mapped_column(String(36), nullable=False)
    processing_started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    completed_at: Mapped[datetime | None] = mapped_column(Timestamp)


class DocumentSegment(IdMixin, TimestampMixin, Base):
    """A chunk of a document; its id is the vector-store record id (Dify's index_node_id)."""

    __tablename__ = "document_segments"
    __table_args__ = (
        UniqueConstraint("document_id", "position", name="uq_document_segments_doc_position"),
        Index("ix_document_segments_dataset", "dataset_id"),
    )

    tenant_id: Mapped[str] = mapped_column(String(36), nullable=False)
    dataset_id: Mapped[str] = mapped_column(String(36), nullable=False)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    answer: Mapped[str | None] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer, nullable=False)
    tokens: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    text_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    enabled: Mapped[bool] = mapped_column(default=True, nullable=False)
    #: ``waiting`` until its vector is in the store, then ``completed``.
    status: Mapped[str] = mapped_column(String(16), default="waiting", nullable=False)
    hit_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_by: Mapped[str] = mapped_column(String(36), nullable=False)
    indexing_at: Mapped[datetime | None] = mapped_column(Timestamp)
    completed_at: Mapped[datetime | None] = mapped_column(Timestamp)


class ChildChunk(IdMixin, TimestampMixin, Base):
    """A child chunk of a parent segment (parent-child mode): embedded and matched."""

    __tablename__ = "child_chunks"
    __table_args__ = (
        UniqueConstraint("segment_id", "position", name="uq_child_chunks_segment_position"),
    )

    tenant_id: Mapped[str] = mapped_column(String(36), nullable=False)
    dataset_id: Mapped[str] = mapped_column(String(36), nullable=False)
    document_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    segment_id: Mapped[str] = mapped_column(
        ForeignKey("document_segments.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    word_count: Mapped[int] = mapped_column(Integer, nullable=False)
    text_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by: Mapped[str] = mapped_column(String(36), nullable=False)


class CachedEmbedding(IdMixin, Base):
    """An embedding keyed by (model, text hash): re-indexing never calls the provider again."""

    __tablename__ = "embeddings"
    __table_args__ = (UniqueConstraint("model_key", "text_hash", name="uq_embeddings_model_hash"),)

    model_key: Mapped[str] = mapped_column(String(255), nullable=False)
    text_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    dimension: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Little-endian float32 values.
    vector: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)


class DatasetQuery(IdMixin, Base):
    """A query run against a dataset (hit-testing or an app), for the query history."""

    __tablename__ = "dataset_queries"
    __table_args__ = (Index("ix_dataset_queries_dataset_created", "dataset_id", "created_at"),)

    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False
    )
    content: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str] = mapped_column(String(32), nullable=False)
    created_by_role: Mapped[str] = mapped_column(String(16), nullable=False)
    created_by: Mapped[str] = mapped_column(String(36), nullable=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
