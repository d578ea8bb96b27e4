"""Dify's signed file routes (``/files``) and the upload routes of the console and Service API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from yarrow.api.deps import AppGrant, CurrentActor, ServicesDep
from yarrow.db.base import unix_seconds
from yarrow.db.models import UploadFile as FileRow
from yarrow.errors import InvalidInput
from yarrow.services.files import Uploader, kind_of
from yarrow.services.permissions import Action

files_router = APIRouter()  # mounted at /files
service_router = APIRouter()  # mounted at /v1
console_router = APIRouter()  # mounted at /console/api
CHUNK = 64 * 1024


async def upload_chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


def file_json(row: FileRow, preview_url: str) -> dict[str, Any]:
    """Dify's upload response."""
    return {
        "id": row.id,
        "name": row.name,
        "size": row.size,
        "extension": row.extension,
        "mime_type": row.mime_type,
        "created_by": row.created_by,
        "created_at": unix_seconds(row.created_at),
        "preview_url": preview_url,
        "source_url": preview_url,
        "original_url": None,
        "user_id": None,
        "tenant_id": row.tenant_id,
        "conversation_id": None,
        "file_key": None,
        "reference": None,
    }


def _stream(services: ServicesDep, row: FileRow, as_attachment: bool) -> StreamingResponse:
    inline_safe = kind_of(row.extension) in ("image", "audio", "video") and row.extension != "svg"
    disposition = "inline" if inline_safe and not as_attachment else "attachment"
    return StreamingResponse(
        services.files.content(row),
        media_type=row.mime_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(row.name)}",
            "Content-Length": str(row.size),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
            "Cache-Control": "private, max-age=300",
        },
    )


def single_file(file: list[UploadFile] | None) -> UploadFile:
    if not file:
        raise InvalidInput("No file uploaded.", code="no_file_uploaded")
    if len(file) > 1:
        raise InvalidInput("Only one file is allowed.", code="too_many_files")
    return file[0]


@service_router.post("/files/upload", status_code=201)
async def service_upload(
    grant: AppGrant,
    services: ServicesDep,
    file: Annotated[list[UploadFile] | None, Form()] = None,
    user: Annotated[str | None, Form(max_length=255)] = None,
) -> dict[str, Any]:
    """Upload a file for use in chats of this app by this end user."""
    app = grant.app
    assert app is not None
    upload = single_file(file)
    end_user = services.chat_store.end_user(app, user)
    row = await services.files.upload(
        Uploader(app.tenant_id, "end_user", end_user.id, app.id),
        upload.filename,
        upload.content_type,
        upload_chunks(upload),
    )
    return file_json(row, services.files.preview_url(row))


@service_router.get("/files/{file_id}/preview")
def service_preview(
    file_id: str,
    grant: AppGrant,
    services: ServicesDep,
    user: Annotated[str | None, Query(max_length=255)] = None,
    as_attachment: bool = False,
) -> StreamingResponse:
    """The bytes of a file this end user uploaded to this app."""
    app = grant.app
    assert app is not None
    end_user = services.chat_store.end_user(app, user)
    row = services.files.get(
        file_id, tenant_id=app.tenant_id, end_user_id=end_user.id, app_id=app.id
    )
    return _stream(services, row, as_attachment)


@console_router.post("/files/upload", status_code=201)
async def console_upload(
    actor: CurrentActor,
    services: ServicesDep,
    file: Annotated[list[UploadFile] | None, Form()] = None,
) -> dict[str, Any]:
    """Upload a file to the current workspace (editors and above)."""
    actor.require(Action.EDIT_DATASETS)
    upload = single_file(file)
    row = await services.files.upload(
        Uploader(actor.tenant_id, "account", actor.account_id),
        upload.filename,
        upload.content_type,
        upload_chunks(upload),
    )
    return file_json(row, services.files.preview_url(row))


class RemoteFileBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    url: str = Field(min_length=8, max_length=4096)


def remote_file_json(row: FileRow, url: str, preview_url: str) -> dict[str, Any]:
    """Dify's remote-upload response."""
    return {**file_json(row, preview_url), "url": url}


@console_router.post("/remote-files/upload", status_code=201)
async def console_remote_upload(
    body: RemoteFileBody, actor: CurrentActor, services: ServicesDep
) -> dict[str, Any]:
    """Fetch a file by URL (through the SSRF guard) into the current workspace."""
    actor.require(Action.EDIT_DATASETS)
    row = await services.files.upload_remote(
        Uploader(actor.tenant_id, "account", actor.account_id), body.url
    )
    return remote_file_json(row, body.url, services.files.preview_url(row))


@console_router.get("/files/upload")
def console_upload_limits(actor: CurrentActor, services: ServicesDep) -> dict[str, Any]:
    """Upload limits, as Dify's console reports them."""
    limits = services.settings.limits
    return {
        "file_size_limit": limits.upload_file_size_limit,
        "batch_count_limit": limits.upload_file_batch_limit,
        "image_file_size_limit": limits.upload_image_file_size_limit,
        "video_file_size_limit": limits.upload_video_file_size_limit,
        "audio_file_size_limit": limits.upload_audio_file_size_limit,
    }


@console_router.get("/files/{file_id}/preview")
def console_preview(
    file_id: str, actor: CurrentActor, services: ServicesDep, as_attachment: bool = False
) -> StreamingResponse:
    """The bytes of a file of the current workspace."""
    actor.require(Action.VIEW_MEMBERS)
    row = services.files.get(file_id, tenant_id=actor.tenant_id)
    return _stream(services, row, as_attachment)


@files_router.get("/{file_id}/file-preview")
def signed_preview(
    file_id: str,
    services: ServicesDep,
    timestamp: Annotated[str, Query(max_length=20)],
    nonce: Annotated[str, Query(max_length=64)],
    sign: Annotated[str, Query(max_length=128)],
    as_attachment: bool = False,
) -> StreamingResponse:
    """A file by Dify's signed URL (``timestamp``, ``nonce``, ``sign``)."""
    row = services.files.get_signed(file_id, timestamp, nonce, sign)
    return _stream(services, row, as_attachment)
