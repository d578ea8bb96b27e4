"""Dify's Knowledge API under ``/v1/datasets`` (dataset keys): datasets, documents, segments,
indexing status, retrieval and hit-testing. Shapes follow ``openapi_knowledge.json``."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, Query, Response, UploadFile

from yarrow.api.deps import DatasetGrant, ServicesDep
from yarrow.api.files import single_file, upload_chunks
from yarrow.db.base import unix_seconds
from yarrow.db.models import Dataset, Document, DocumentSegment
from yarrow.errors import InvalidInput
from yarrow.services.files import Uploader
from yarrow.services.knowledge import DocumentSource, RetrievalConfig, RetrievalResult
from yarrow.services.knowledge.retrieval_config import SEARCH_METHODS

router = APIRouter()
JsonBody = Annotated[dict[str, Any], Body()]
MAX_QUERY_CHARS = 250


# ------------------------------------------------------------------------------------ views
#: Dataset fields that Dify's spec types as plain strings: omitted while unset.
_UNSET_OMITTED = (
    "data_source_type",
    "indexing_technique",
    "embedding_model",
    "embedding_model_provider",
)


def dataset_json(row: Dataset, stats: tuple[int, int] = (0, 0)) -> dict[str, Any]:
    """Dify's Dataset object (fields not configured yet are left out, not null)."""
    body: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "provider": "vendor",
        "permission": row.permission,
        "data_source_type": "upload_file" if stats[0] else None,
        "indexing_technique": row.indexing_technique,
        "app_count": 0,
        "document_count": stats[0],
        "word_count": stats[1],
        "created_by": row.created_by,
        "created_at": unix_seconds(row.created_at),
        "updated_by": row.created_by,
        "updated_at": unix_seconds(row.updated_at),
        "embedding_model": row.embedding_model,
        "embedding_model_provider": row.embedding_model_provider,
        "embedding_available": True,
        "retrieval_model_dict": RetrievalConfig.from_dify(row.retrieval_model).to_dify(),
        "tags": [],
        "doc_form": row.doc_form,
        "external_knowledge_info": None,
        "external_retrieval_model": None,
        "doc_metadata": [],
        "built_in_field_enabled": False,
        "total_documents": stats[0],
        "total_available_documents": stats[0],
        "enable_api": True,
        "is_multimodal": False,
        "partial_member_list": [],
    }
    return {k: v for k, v in body.items() if v is not None or k not in _UNSET_OMITTED}


def _display_status(row: Document) -> str:
    if row.archived:
        return "archived"
    if row.indexing_status == "completed":
        return "available" if row.enabled else "disabled"
    if row.indexing_status == "error":
        return "error"
    return "queuing" if row.indexing_status == "waiting" else "indexing"


def document_json(row: Document) -> dict[str, Any]:
    """Dify's Document object."""
    source = {"upload_file_id": row.upload_file_id} if row.upload_file_id else {}
    return {
        "id": row.id,
        "position": row.position,
        "data_source_type": row.data_source_type,
        "data_source_info": source,
        "data_source_detail_dict": {},
        "dataset_process_rule_id": "",
        "name": row.name,
        "created_from": "api",
        "created_by": row.created_by,
        "created_at": unix_seconds(row.created_at),
        "tokens": row.tokens,
        "indexing_status": row.indexing_status,
        "error": row.error,
        "enabled": row.enabled,
        "disabled_at": None,
        "disabled_by": None,
        "archived": row.archived,
        "display_status": _display_status(row),
        "word_count": row.word_count,
        "hit_count": 0,
        "doc_form": row.doc_form,
        "doc_metadata": [],
    }


def segment_json(row: DocumentSegment) -> dict[str, Any]:
    """Dify's Segment object (``word_count`` is characters, as in Dify)."""
    return {
        "id": row.id,
        "position": row.position,
        "document_id": row.document_id,
        "content": row.content,
        "sign_content": row.content,
        "answer": row.answer or "",
        "word_count": row.word_count,
        "tokens": row.tokens,
        "keywords": list(row.keywords or []),
        "index_node_id": row.id,
        "index_node_hash": row.text_hash,
        "hit_count": row.hit_count,
        "enabled": row.enabled,
        "disabled_at": None,
        "disabled_by": None,
        "status": row.status,
        "created_by": row.created_by,
        "created_at": unix_seconds(row.created_at),
        "updated_at": unix_seconds(row.updated_at),
        "updated_by": row.created_by,
        "indexing_at": unix_seconds(row.indexing_at),
        "completed_at": unix_seconds(row.completed_at),
        "error": None,
        "stopped_at": None,
        "child_chunks": [],
        "attachments": [],
    }


def status_json(row: Document) -> dict[str, Any]:
    """One entry of ``indexing-status``."""
    started = unix_seconds(row.processing_started_at)
    entry: dict[str, Any] = {
        "id": row.id,
        "indexing_status": row.indexing_status,
        "paused_at": None,
        "error": row.error,
        "stopped_at": None,
        "completed_segments": row.completed_segments,
        "total_segments": row.total_segments,
    }
    if started is not None:
        entry.update(
            processing_started_at=started,
            parsing_completed_at=started,
            cleaning_completed_at=started,
            splitting_completed_at=started,
        )
    if row.completed_at is not None:
        entry["completed_at"] = unix_seconds(row.completed_at)
    return entry


def retrieval_json(query: str, result: RetrievalResult) -> dict[str, Any]:
    """The ``retrieve`` response; ``degraded`` lists dropped channels (Yarrow's addition)."""
    return {
        "query": {"content": query},
        "records": [
            {
                "segment": {**segment_json(r.segment), "document": _record_document(r.document)},
                "child_chunks": [],
                "score": r.score,
                "tsne_position": None,
                "files": [],
            }
            for r in result.records
        ],
        "degraded": result.degraded,
    }


def _record_document(row: Document) -> dict[str, Any]:
    return {"id": row.id, "data_source_type": row.data_source_type, "name": row.name}


def _page(page: int, limit: int) -> tuple[int, int]:
    if page < 1 or not 1 <= limit <= 100:
        raise InvalidInput("page must be >= 1 and limit between 1 and 100.")
    return page, limit


# ------------------------------------------------------------------------------------ datasets
@router.post("/datasets")
def create_dataset(body: JsonBody, grant: DatasetGrant, services: ServicesDep) -> dict[str, Any]:
    """Create an empty dataset."""
    row = services.knowledge.datasets.create(grant.tenant_id, grant.token_id, body)
    return dataset_json(row)


@router.get("/datasets")
def list_datasets(
    grant: DatasetGrant,
    services: ServicesDep,
    page: int = 1,
    limit: int = 20,
    keyword: Annotated[str, Query(max_length=255)] = "",
) -> dict[str, Any]:
    """The workspace's datasets, newest first."""
    page, limit = _page(page, limit)
    rows, total = services.knowledge.datasets.list_datasets(
        grant.tenant_id, page=page, limit=limit, keyword=keyword
    )
    stats = services.knowledge.datasets.stats([r.id for r in rows])
    return {
        "data": [dataset_json(r, stats.get(r.id, (0, 0))) for r in rows],
        "has_more": page * limit < total,
        "limit": limit,
        "total": total,
        "page": page,
    }


@router.get("/datasets/{dataset_id}")
def get_dataset(dataset_id: str, grant: DatasetGrant, services: ServicesDep) -> dict[str, Any]:
    """One dataset."""
    row = services.knowledge.datasets.get(grant.tenant_id, dataset_id)
    return dataset_json(row, services.knowledge.datasets.stats([row.id]).get(row.id, (0, 0)))


@router.patch("/datasets/{dataset_id}")
def update_dataset(
    dataset_id: str, body: JsonBody, grant: DatasetGrant, services: ServicesDep
) -> dict[str, Any]:
    """Change a dataset's settings."""
    row = services.knowledge.datasets.update(grant.tenant_id, dataset_id, body)
    return dataset_json(row, services.knowledge.datasets.stats([row.id]).get(row.id, (0, 0)))


@router.delete("/datasets/{dataset_id}", status_code=204)
def delete_dataset(dataset_id: str, grant: DatasetGrant, services: ServicesDep) -> Response:
    """Delete a dataset, its documents and its vectors."""
    services.knowledge.delete_dataset(grant.tenant_id, dataset_id)
    return Response(status_code=204)


# ------------------------------------------------------------------------------------ documents
def _created(doc: Document) -> dict[str, Any]:
    return {"document": document_json(doc), "batch": doc.batch}


@router.post("/datasets/{dataset_id}/document/create-by-text")
@router.post("/datasets/{dataset_id}/document/create_by_text")
def create_by_text(
    dataset_id: str, body: JsonBody, grant: DatasetGrant, services: ServicesDep
) -> dict[str, Any]:
    """A document from text; indexing runs in the background (poll ``indexing-status``)."""
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("text is required.", params="text")
    doc = services.knowledge.datasets.add_document(
        grant.tenant_id,
        grant.token_id,
        dataset_id,
        DocumentSource(name=body.get("name") or "", text=text),
        body,
    )
    return _created(doc)


@router.post("/datasets/{dataset_id}/document/create-by-file")
@router.post("/datasets/{dataset_id}/document/create_by_file")
async def create_by_file(
    dataset_id: str,
    grant: DatasetGrant,
    services: ServicesDep,
    file: Annotated[list[UploadFile] | None, Form()] = None,
    data: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    """A document from an uploaded file (multipart ``file`` + JSON ``data``)."""
    options = _form_options(data)
    services.knowledge.datasets.get(grant.tenant_id, dataset_id)
    upload = single_file(file)
    row = await services.files.upload(
        Uploader(grant.tenant_id, "account", grant.token_id),
        upload.filename,
        upload.content_type,
        upload_chunks(upload),
    )
    services.files.mark_used(row.id)
    doc = services.knowledge.datasets.add_document(
        grant.tenant_id,
        grant.token_id,
        dataset_id,
        DocumentSource(name=row.name, upload_file_id=row.id),
        options,
    )
    return _created(doc)


def _form_options(data: str | None) -> dict[str, Any]:
    if not data:
        return {}
    try:
        options = json.loads(data)
    except ValueError as exc:
        raise InvalidInput("data must be a JSON object.", params="data") from exc
    if not isinstance(options, dict):
        raise InvalidInput("data must be a JSON object.", params="data")
    return options


@router.post("/datasets/{dataset_id}/documents/{document_id}/update-by-text")
@router.post("/datasets/{dataset_id}/documents/{document_id}/update_by_text")
def update_by_text(
    dataset_id: str, document_id: str, body: JsonBody, grant: DatasetGrant, services: ServicesDep
) -> dict[str, Any]:
    """Rename a text document or replace its text or rule (re-indexed in the background)."""
    doc = services.knowledge.datasets.update_text(grant.tenant_id, dataset_id, document_id, body)
    return _created(doc)


@router.get("/datasets/{dataset_id}/documents")
def list_documents(
    dataset_id: str,
    grant: DatasetGrant,
    services: ServicesDep,
    page: int = 1,
    limit: int = 20,
    keyword: Annotated[str, Query(max_length=255)] = "",
) -> dict[str, Any]:
    """A dataset's documents."""
    page, limit = _page(page, limit)
    rows, total = services.knowledge.datasets.documents(
        grant.tenant_id, dataset_id, page=page, limit=limit, keyword=keyword
    )
    return {
        "data": [document_json(r) for r in rows],
        "has_more": page * limit < total,
        "limit": limit,
        "total": total,
        "page": page,
    }


@router.get("/datasets/{dataset_id}/documents/{document_id}")
def get_document(
    dataset_id: str, document_id: str, grant: DatasetGrant, services: ServicesDep
) -> dict[str, Any]:
    """One document."""
    return document_json(
        services.knowledge.datasets.document(grant.tenant_id, dataset_id, document_id)
    )


@router.delete("/datasets/{dataset_id}/documents/{document_id}", status_code=204)
def delete_document(
    dataset_id: str, document_id: str, grant: DatasetGrant, services: ServicesDep
) -> Response:
    """Delete a document, its segments and its vectors."""
    services.knowledge.delete_document(grant.tenant_id, dataset_id, document_id)
    return Response(status_code=204)


@router.get("/datasets/{dataset_id}/documents/{batch}/indexing-status")
def indexing_status(
    dataset_id: str, batch: str, grant: DatasetGrant, services: ServicesDep
) -> dict[str, Any]:
    """Progress of the documents created in one request."""
    rows = services.knowledge.datasets.batch(grant.tenant_id, dataset_id, batch)
    return {"data": [status_json(r) for r in rows]}


@router.patch("/datasets/{dataset_id}/documents/status/{action}")
def document_status(
    dataset_id: str, action: str, body: JsonBody, grant: DatasetGrant, services: ServicesDep
) -> dict[str, Any]:
    """``enable``, ``disable``, ``archive`` or ``un_archive`` documents."""
    ids = body.get("document_ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise InvalidInput("document_ids must be a list of ids.", params="document_ids")
    services.knowledge.datasets.set_enabled(grant.tenant_id, dataset_id, ids, action)
    return {"result": "success"}


@router.get("/datasets/{dataset_id}/documents/{document_id}/segments")
def list_segments(
    dataset_id: str, document_id: str, grant: DatasetGrant, services: ServicesDep
) -> dict[str, Any]:
    """A document's segments by position."""
    doc = services.knowledge.datasets.document(grant.tenant_id, dataset_id, document_id)
    rows = services.knowledge.segments(grant.tenant_id, dataset_id, document_id)
    return {
        "data": [segment_json(r) for r in rows],
        "doc_form": doc.doc_form,
        "total": len(rows),
        "has_more": False,
        "limit": max(len(rows), 1),
        "page": 1,
    }


# ------------------------------------------------------------------------------------ retrieval
async def _retrieve(
    dataset_id: str, body: dict[str, Any], grant: DatasetGrant, services: ServicesDep, source: str
) -> dict[str, Any]:
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise InvalidInput("query is required.", params="query")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInput(f"query must be at most {MAX_QUERY_CHARS} characters.", params="query")
    model = body.get("retrieval_model")
    if isinstance(model, dict) and model.get("search_method") not in (None, *SEARCH_METHODS):
        raise InvalidInput("Unknown search_method.", params="retrieval_model")
    result, _ = await services.knowledge.retrieve(
        grant.tenant_id,
        [dataset_id],
        query,
        model,
        source=source,
        created_by=grant.token_id,
    )
    return retrieval_json(query, result)


@router.post("/datasets/{dataset_id}/retrieve")
async def retrieve(
    dataset_id: str, body: JsonBody, grant: DatasetGrant, services: ServicesDep
) -> dict[str, Any]:
    """Search a dataset."""
    return await _retrieve(dataset_id, body, grant, services, "api")


@router.post("/datasets/{dataset_id}/hit-testing")
async def hit_testing(
    dataset_id: str, body: JsonBody, grant: DatasetGrant, services: ServicesDep
) -> dict[str, Any]:
    """Search a dataset (recorded as a hit-testing query)."""
    return await _retrieve(dataset_id, body, grant, services, "hit_testing")


# ------------------------------------------------------------------------------------ segments
def _doc_and_dataset(
    services: ServicesDep, grant: DatasetGrant, dataset_id: str, document_id: str
) -> tuple[Dataset, Document]:
    dataset = services.knowledge.datasets.get(grant.tenant_id, dataset_id)
    return dataset, services.knowledge.datasets.document(grant.tenant_id, dataset_id, document_id)


@router.post("/datasets/{dataset_id}/documents/{document_id}/segments")
async def add_segments(
    dataset_id: str, document_id: str, body: JsonBody, grant: DatasetGrant, services: ServicesDep
) -> dict[str, Any]:
    """Append segments to a completed document (embedded and indexed at once)."""
    dataset, doc = _doc_and_dataset(services, grant, dataset_id, document_id)
    rows = await services.knowledge.segment_edits.add(
        dataset, doc, body.get("segments"), grant.token_id
    )
    return {"data": [segment_json(r) for r in rows], "doc_form": doc.doc_form}


@router.get("/datasets/{dataset_id}/documents/{document_id}/segments/{segment_id}")
def get_segment(
    dataset_id: str, document_id: str, segment_id: str, grant: DatasetGrant, services: ServicesDep
) -> dict[str, Any]:
    """One segment."""
    _, doc = _doc_and_dataset(services, grant, dataset_id, document_id)
    row = services.knowledge.segment_edits.get(doc, segment_id)
    return {"data": segment_json(row), "doc_form": doc.doc_form}


@router.post("/datasets/{dataset_id}/documents/{document_id}/segments/{segment_id}")
async def update_segment(
    dataset_id: str,
    document_id: str,
    segment_id: str,
    body: JsonBody,
    grant: DatasetGrant,
    services: ServicesDep,
) -> dict[str, Any]:
    """Change a segment's content, answer, keywords or enabled flag (re-embedded)."""
    dataset, doc = _doc_and_dataset(services, grant, dataset_id, document_id)
    row = await services.knowledge.segment_edits.update(
        dataset, doc, segment_id, body.get("segment")
    )
    return {"data": segment_json(row), "doc_form": doc.doc_form}


@router.delete(
    "/datasets/{dataset_id}/documents/{document_id}/segments/{segment_id}", status_code=204
)
async def delete_segment(
    dataset_id: str, document_id: str, segment_id: str, grant: DatasetGrant, services: ServicesDep
) -> Response:
    """Delete a segment and its vector."""
    dataset, doc = _doc_and_dataset(services, grant, dataset_id, document_id)
    await services.knowledge.segment_edits.delete(dataset, doc, segment_id)
    return Response(status_code=204)
