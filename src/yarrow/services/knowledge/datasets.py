"""Datasets and documents of one workspace: create, list, update, delete.

Every lookup is scoped by tenant: a dataset or document of another workspace is ``NotFound``.
Creating a document records it as ``waiting`` and hands its id to the dispatcher, which runs
the indexing task (see :mod:`~yarrow.services.knowledge.indexing`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from yarrow.db.engine import Database
from yarrow.db.models import Dataset, Document, DocumentSegment
from yarrow.db.models.datasets import DATASET_PERMISSIONS, INDEXING_TECHNIQUES
from yarrow.errors import Conflict, InvalidInput, NotFound
from yarrow.rag import InvalidProcessRule, ProcessRule
from yarrow.services.knowledge.retrieval_config import RetrievalConfig

Dispatcher = Callable[[str], None]
DOC_FORMS = ("text_model", "hierarchical_model")
MAX_NAME = 255


@dataclass(frozen=True)
class DocumentSource:
    """What a new document is made from: text, or an uploaded file's id."""

    name: str
    text: str | None = None
    upload_file_id: str | None = None


class DatasetService:
    """Dataset and document records; indexing is dispatched, never run inline."""

    def __init__(self, database: Database, dispatch: Dispatcher) -> None:
        self._db = database
        self.dispatch = dispatch

    # --------------------------------------------------------------------------------- datasets
    def create(self, tenant_id: str, created_by: str, fields: dict[str, Any]) -> Dataset:
        """A new dataset; names are unique per workspace (409 ``dataset_name_duplicate``)."""
        name = _name(fields.get("name"))
        values = _dataset_values(fields)
        row = Dataset(
            tenant_id=tenant_id,
            name=name,
            created_by=created_by,
            description=values.get("description", ""),
            permission=values.get("permission", "only_me"),
            indexing_technique=values.get("indexing_technique"),
            embedding_model_provider=values.get("embedding_model_provider"),
            embedding_model=values.get("embedding_model"),
            retrieval_model=values.get("retrieval_model") or RetrievalConfig().to_dify(),
        )
        return self._save(row)

    def update(self, tenant_id: str, dataset_id: str, fields: dict[str, Any]) -> Dataset:
        """Change name, description, permission, technique, embedding model or retrieval."""
        values = _dataset_values(fields)
        if "name" in fields:
            values["name"] = _name(fields["name"])
        with self._db.transaction() as session:
            row = self._dataset(session, tenant_id, dataset_id)
            if (
                "embedding_model" in values
                and row.embedding_model
                and values["embedding_model"] != row.embedding_model
                and self._has_segments(session, dataset_id)
            ):
                raise InvalidInput(
                    "The embedding model of a dataset with indexed documents cannot change."
                )
            for key, value in values.items():
                setattr(row, key, value)
            try:
                session.flush()
            except IntegrityError as exc:
                raise Conflict(
                    "The dataset name already exists.", code="dataset_name_duplicate"
                ) from exc
            session.expunge(row)
            return row

    def get(self, tenant_id: str, dataset_id: str) -> Dataset:
        """A dataset of the workspace, or 404."""
        with self._db.session() as session:
            return self._dataset(session, tenant_id, dataset_id)

    def list_datasets(
        self, tenant_id: str, *, page: int = 1, limit: int = 20, keyword: str = ""
    ) -> tuple[list[Dataset], int]:
        """A page of the workspace's datasets, newest first, and the total."""
        query = select(Dataset).where(Dataset.tenant_id == tenant_id)
        if keyword:
            query = query.where(Dataset.name.contains(keyword, autoescape=True))
        with self._db.session() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(Dataset.created_at.desc(), Dataset.id)
                .offset((page - 1) * limit)
                .limit(limit)
            ).all()
        return list(rows), int(total)

    def delete(self, tenant_id: str, dataset_id: str) -> None:
        """Delete a dataset with its documents and segments (the caller drops its vectors)."""
        with self._db.transaction() as session:
            row = self._dataset(session, tenant_id, dataset_id)
            session.delete(row)

    def stats(self, dataset_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """``{dataset id: (document count, characters)}``."""
        if not dataset_ids:
            return {}
        with self._db.session() as session:
            rows = session.execute(
                select(
                    Document.dataset_id,
                    func.count(),
                    func.coalesce(func.sum(Document.word_count), 0),
                )
                .where(Document.dataset_id.in_(list(dataset_ids)))
                .group_by(Document.dataset_id)
            ).all()
        return {row[0]: (int(row[1]), int(row[2])) for row in rows}

    # --------------------------------------------------------------------------------- documents
    def add_document(
        self,
        tenant_id: str,
        created_by: str,
        dataset_id: str,
        source: DocumentSource,
        options: dict[str, Any],
    ) -> Document:
        """Record a document (``waiting``) and dispatch its indexing.

        The first document fixes the dataset's indexing technique (required then) and doc form.
        """
        rule = options.get("process_rule")
        try:
            ProcessRule.from_dify(rule)
        except InvalidProcessRule as exc:
            raise InvalidInput(str(exc), params="process_rule") from exc
        name = _name(source.name)
        doc_form = options.get("doc_form") or None
        if doc_form is not None and doc_form not in DOC_FORMS:
            raise InvalidInput(f"doc_form must be one of {', '.join(DOC_FORMS)}.")
        with self._db.transaction() as session:
            dataset = self._dataset(session, tenant_id, dataset_id)
            technique = options.get("indexing_technique") or dataset.indexing_technique
            if technique not in INDEXING_TECHNIQUES:
                raise InvalidInput(
                    "indexing_technique is required: high_quality or economy.",
                    params="indexing_technique",
                )
            dataset.indexing_technique = technique
            if options.get("embedding_model") and not dataset.embedding_model:
                dataset.embedding_model = str(options["embedding_model"])
                dataset.embedding_model_provider = str(
                    options.get("embedding_model_provider") or ""
                )
            if options.get("retrieval_model"):
                dataset.retrieval_model = RetrievalConfig.from_dify(
                    options["retrieval_model"]
                ).to_dify()
            position = (
                session.scalar(
                    select(func.max(Document.position)).where(Document.dataset_id == dataset_id)
                )
                or 0
            ) + 1
            doc = Document(
                tenant_id=tenant_id,
                dataset_id=dataset_id,
                position=position,
                name=name,
                data_source_type="upload_file" if source.upload_file_id else "text",
                upload_file_id=source.upload_file_id,
                content=source.text,
                process_rule=dict(rule) if isinstance(rule, dict) else {"mode": "automatic"},
                doc_form=doc_form or dataset.doc_form,
                doc_language=str(options.get("doc_language") or "English"),
                batch=datetime.now().strftime("%Y%m%d%H%M%S") + secrets.token_hex(3),
                created_by=created_by,
            )
            session.add(doc)
            session.flush()
            session.expunge(doc)
        self.dispatch(doc.id)
        return doc

    def update_text(
        self, tenant_id: str, dataset_id: str, document_id: str, fields: dict[str, Any]
    ) -> Document:
        """New name, text or process rule of a text document; re-indexed when text or rule
        change (a changed split replaces the segments and their vectors)."""
        rule = fields.get("process_rule")
        if rule is not None:
            try:
                ProcessRule.from_dify(rule)
            except InvalidProcessRule as exc:
                raise InvalidInput(str(exc), params="process_rule") from exc
        text = fields.get("text")
        if text is not None and (not isinstance(text, str) or not text.strip()):
            raise InvalidInput("text must be non-empty.", params="text")
        self.document(tenant_id, dataset_id, document_id)
        with self._db.transaction() as session:
            doc = session.get(Document, document_id)
            assert doc is not None
            if doc.upload_file_id is not None and text is not None:
                raise InvalidInput("A file document's text cannot be replaced by text.")
            if fields.get("name") is not None:
                doc.name = _name(fields["name"])
            reindex = text is not None or rule is not None
            if text is not None:
                doc.content = text
            if isinstance(rule, dict):
                doc.process_rule = dict(rule)
            if reindex:
                doc.indexing_status, doc.error = "waiting", None
                doc.batch = datetime.now().strftime("%Y%m%d%H%M%S") + secrets.token_hex(3)
            session.flush()
            session.expunge(doc)
        if reindex:
            self.dispatch(doc.id)
        return doc

    def documents(
        self, tenant_id: str, dataset_id: str, *, page: int = 1, limit: int = 20, keyword: str = ""
    ) -> tuple[list[Document], int]:
        """A page of a dataset's documents by position, and the total."""
        self.get(tenant_id, dataset_id)
        query = select(Document).where(Document.dataset_id == dataset_id)
        if keyword:
            query = query.where(Document.name.contains(keyword, autoescape=True))
        with self._db.session() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(Document.position.desc()).offset((page - 1) * limit).limit(limit)
            ).all()
        return list(rows), int(total)

    def document(self, tenant_id: str, dataset_id: str, document_id: str) -> Document:
        """A document of a dataset of the workspace, or 404 ``document_not_found``."""
        with self._db.session() as session:
            row = session.scalar(
                select(Document).where(
                    Document.id == document_id,
                    Document.dataset_id == dataset_id,
                    Document.tenant_id == tenant_id,
                )
            )
        if row is None:
            raise NotFound("Document not found.", code="document_not_found")
        return row

    def batch(self, tenant_id: str, dataset_id: str, batch: str) -> list[Document]:
        """The documents created in one request (``batch``), or 404."""
        self.get(tenant_id, dataset_id)
        with self._db.session() as session:
            rows = session.scalars(
                select(Document)
                .where(Document.dataset_id == dataset_id, Document.batch == batch)
                .order_by(Document.position)
            ).all()
        if not rows:
            raise NotFound("Documents not found.", code="document_not_found")
        return list(rows)

    def delete_document(self, tenant_id: str, dataset_id: str, document_id: str) -> None:
        """Delete a document and its segments (the caller removes its vectors)."""
        self.document(tenant_id, dataset_id, document_id)
        with self._db.transaction() as session:
            row = session.get(Document, document_id)
            if row is not None:
                session.delete(row)

    def set_enabled(
        self, tenant_id: str, dataset_id: str, document_ids: Sequence[str], action: str
    ) -> None:
        """``enable``, ``disable``, ``archive`` or ``un_archive`` documents."""
        flags = {
            "enable": ("enabled", True),
            "disable": ("enabled", False),
            "archive": ("archived", True),
            "un_archive": ("archived", False),
        }
        if action not in flags:
            raise InvalidInput(f"Unknown action {action!r}.")
        attr, value = flags[action]
        for document_id in document_ids:
            self.document(tenant_id, dataset_id, document_id)
        with self._db.transaction() as session:
            for document_id in document_ids:
                row = session.get(Document, document_id)
                if row is not None:
                    setattr(row, attr, value)

    # --------------------------------------------------------------------------------- internals
    def _save(self, row: Dataset) -> Dataset:
        try:
            with self._db.transaction() as session:
                session.add(row)
                session.flush()
                session.expunge(row)
        except IntegrityError as exc:
            raise Conflict(
                "The dataset name already exists.", code="dataset_name_duplicate"
            ) from exc
        return row

    @staticmethod
    def _dataset(session: Any, tenant_id: str, dataset_id: str) -> Dataset:
        row = session.scalar(
            select(Dataset).where(Dataset.id == dataset_id, Dataset.tenant_id == tenant_id)
        )
        if row is None:
            raise NotFound("Dataset not found.", code="dataset_not_found")
        assert isinstance(row, Dataset)
        return row

    @staticmethod
    def _has_segments(session: Any, dataset_id: str) -> bool:
        found = session.scalar(
            select(DocumentSegment.id).where(DocumentSegment.dataset_id == dataset_id).limit(1)
        )
        return found is not None


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("name is required.", params="name")
    name = value.strip()
    if len(name) > MAX_NAME:
        raise InvalidInput(f"name must be at most {MAX_NAME} characters.", params="name")
    return name


def _dataset_values(fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "description" in fields:
        description = fields["description"] or ""
        if not isinstance(description, str) or len(description) > 400:
            raise InvalidInput("description must be a string of at most 400 characters.")
        values["description"] = description
    if fields.get("permission") is not None:
        if fields["permission"] not in DATASET_PERMISSIONS:
            raise InvalidInput(f"permission must be one of {', '.join(DATASET_PERMISSIONS)}.")
        values["permission"] = fields["permission"]
    if fields.get("indexing_technique") is not None:
        if fields["indexing_technique"] not in INDEXING_TECHNIQUES:
            raise InvalidInput("indexing_technique must be high_quality or economy.")
        values["indexing_technique"] = fields["indexing_technique"]
    for key in ("embedding_model", "embedding_model_provider"):
        if fields.get(key) is not None:
            if not isinstance(fields[key], str):
                raise InvalidInput(f"{key} must be a string.")
            values[key] = fields[key]
    if fields.get("retrieval_model") is not None:
        values["retrieval_model"] = RetrievalConfig.from_dify(fields["retrieval_model"]).to_dify()
    return values
