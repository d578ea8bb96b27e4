"""Uploaded files: checks, storage, records, access control and signed URLs.

An upload is checked (name, extension, block list, declared type versus content, size per kind),
streamed into object storage with a byte cap, and recorded in SQL. If anything fails part-way,
neither a record nor an object is left behind. Every read checks the workspace and, for end
users, the same end user of the same app (Dify's CVE-2026-41949/41950 were cross-workspace reads).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import httpx
from sqlalchemy import select

from yarrow.db.base import utcnow
from yarrow.db.engine import Database
from yarrow.db.models import UploadFile
from yarrow.errors import (
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from yarrow.net.errors import FetchError
from yarrow.settings.limits import LimitSettings
from yarrow.storage import FileUrlSigner, ObjectStorage, ObjectTooLarge

IMAGE = frozenset({"jpg", "jpeg", "png", "webp", "gif", "svg"})
AUDIO = frozenset({"mp3", "m4a", "wav", "amr", "mpga", "webm_audio"})
VIDEO = frozenset({"mp4", "mov", "mpeg", "webm"})
ALWAYS_BLOCKED = frozenset({"exe", "dll", "bat", "cmd", "com", "scr", "msi", "ps1", "vbs"})
#: Leading bytes that a file of this extension must start with.
MAGIC: dict[str, tuple[bytes, ...]] = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "webp": (b"RIFF",),
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
}
MIME: dict[str, str] = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "txt": "text/plain",
    "md": "text/markdown",
    "markdown": "text/markdown",
    "html": "text/html",
    "htm": "text/html",
    "csv": "text/csv",
    "json": "application/json",
    "xml": "application/xml",
    "eml": "message/rfc822",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "m4a": "audio/mp4",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
}


_EXTENSION_OF = {mime: ext for ext, mime in MIME.items() if ext not in ("jpeg", "markdown", "htm")}


@dataclass(frozen=True)
class Uploader:
    """Who uploads: a console account or an end user of an app, in a workspace."""

    tenant_id: str
    role: str  # "account" or "end_user"
    user_id: str
    app_id: str | None = None


def kind_of(extension: str) -> str:
    """``image``, ``audio``, ``video`` or ``document``."""
    if extension in IMAGE:
        return "image"
    if extension in AUDIO:
        return "audio"
    return "video" if extension in VIDEO else "document"


class FileService:
    """Upload, look up, stream and delete files."""

    def __init__(
        self,
        database: Database,
        storage: ObjectStorage,
        signer: FileUrlSigner,
        limits: LimitSettings,
        http_client: Callable[[int], httpx.AsyncClient] | None = None,
    ) -> None:
        self._db = database
        self.storage = storage
        self.signer = signer
        self._limits = limits
        self._http_client = http_client
        configured = {
            e.strip().lower().lstrip(".")
            for e in limits.upload_file_extension_blacklist.split(",")
            if e.strip()
        }
        self._blocked = ALWAYS_BLOCKED | configured

    def limit_bytes(self, extension: str) -> int:
        """The size cap for a file of this extension."""
        megabytes = {
            "image": self._limits.upload_image_file_size_limit,
            "audio": self._limits.upload_audio_file_size_limit,
            "video": self._limits.upload_video_file_size_limit,
        }.get(kind_of(extension), self._limits.upload_file_size_limit)
        return megabytes * 1024 * 1024

    def check_name(self, filename: str | None) -> tuple[str, str]:
        """``(name, extension)`` of an acceptable file name, or a Dify-coded 4xx."""
        if not filename or not filename.strip():
            raise InvalidInput("The file has no name.", code="filename_not_exists_error")
        name = filename.strip()
        if "/" in name or "\\" in name or len(name) > 200 or "\x00" in name:
            raise InvalidInput("Invalid file name.", code="filename_not_exists_error")
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if not extension:
            raise UnsupportedMediaType(
                "Files without an extension are not accepted.", code="unsupported_file_type"
            )
        if extension in self._blocked:
            raise InvalidInput(
                f"The file extension .{extension} is blocked.", code="blocked_file_extension"
            )
        return name, extension

    async def upload(
        self,
        uploader: Uploader,
        filename: str | None,
        content_type: str | None,
        chunks: AsyncIterable[bytes],
    ) -> UploadFile:
        """Store one upload and record it (nothing is left behind on failure)."""
        name, extension = self.check_name(filename)
        iterator = aiter(chunks)
        first = await _first_chunk(iterator)
        if not first:
            raise InvalidInput("The file is empty.", code="empty_file")
        magic = MAGIC.get(extension)
        if magic and not first.startswith(magic):
            raise UnsupportedMediaType(
                f"The content of the file does not match its extension .{extension}.",
                code="unsupported_file_type",
            )
        mime = MIME.get(extension) or (content_type or "application/octet-stream")
        key = f"upload_files/{uploader.tenant_id}/{uuid.uuid4()}.{extension}"
        limit = self.limit_bytes(extension)
        try:
            size = await self.storage.save_stream(
                key, _prepend(first, iterator), content_type=mime, max_bytes=limit
            )
        except ObjectTooLarge as exc:
            raise PayloadTooLarge(
                f"File size exceeded. {limit // (1024 * 1024)} MB is the "
                f"limit for .{extension} files.",
                code="file_too_large",
            ) from exc
        try:
            with self._db.transaction() as session:
                row = UploadFile(
                    tenant_id=uploader.tenant_id,
                    app_id=uploader.app_id,
                    storage_key=key,
                    name=name,
                    size=size,
                    extension=extension,
                    mime_type=mime,
                    created_by_role=uploader.role,
                    created_by=uploader.user_id,
                )
                session.add(row)
                session.flush()
                return row
        except BaseException:
            await self.storage.delete(key)
            raise

    async def upload_remote(self, uploader: Uploader, url: str) -> UploadFile:
        """Fetch ``url`` through the SSRF-guarded client and store it like an upload.

        Raises:
            InvalidInput: ``remote_file_upload_failed`` when the address is refused, the fetch
                fails or answers an error (plus every error of :meth:`upload`).
        """
        if self._http_client is None or not url.startswith(("http://", "https://")):
            raise InvalidInput(
                "Only http(s) URLs can be fetched.", code="remote_file_upload_failed"
            )
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or "file"
        limit = max(self.limit_bytes(e) for e in ("png", "mp3", "mp4", "txt"))
        try:
            async with self._http_client(limit + 1) as client, client.stream("GET", url) as reply:
                if reply.status_code != 200:
                    raise InvalidInput(
                        f"The remote file answered HTTP {reply.status_code}.",
                        code="remote_file_upload_failed",
                    )
                content_type = reply.headers.get("content-type", "").split(";")[0].strip()
                if "." not in name and content_type in _EXTENSION_OF:
                    name = f"{name}.{_EXTENSION_OF[content_type]}"
                return await self.upload(uploader, name, content_type or None, reply.aiter_bytes())
        except FetchError as exc:
            raise InvalidInput(
                f"The remote file could not be fetched: {exc.message}",
                code="remote_file_upload_failed",
            ) from exc
        except httpx.HTTPError as exc:
            raise InvalidInput(
                f"The remote file could not be fetched ({type(exc).__name__}).",
                code="remote_file_upload_failed",
            ) from exc

    def get(
        self,
        file_id: str,
        *,
        tenant_id: str,
        end_user_id: str | None = None,
        app_id: str | None = None,
    ) -> UploadFile:
        """A file readable by this caller, or 404 ``file_not_found`` (also for other owners)."""
        with self._db.session() as session:
            row = session.scalar(
                select(UploadFile).where(
                    UploadFile.id == file_id, UploadFile.tenant_id == tenant_id
                )
            )
        if row is None or (
            end_user_id is not None
            and (
                row.created_by_role != "end_user"
                or row.created_by != end_user_id
                or row.app_id != app_id
            )
        ):
            raise NotFound("File not found.", code="file_not_found")
        return row

    def get_signed(self, file_id: str, timestamp: str, nonce: str, sign: str) -> UploadFile:
        """A file by a Dify-signed ``/files`` URL (the signature is the authorisation)."""
        self.signer.verify(file_id, timestamp, nonce, sign)
        with self._db.session() as session:
            row = session.get(UploadFile, file_id)
        if row is None:
            raise NotFound("File not found.", code="file_not_found")
        return row

    def content(self, row: UploadFile) -> AsyncIterator[bytes]:
        """The stored bytes, streamed with flat memory."""
        return self.storage.stream(row.storage_key)

    def preview_url(self, row: UploadFile) -> str:
        """A signed ``/files/{id}/file-preview`` URL valid for FILES_ACCESS_TIMEOUT."""
        return self.signer.file_preview_url(row.id)

    def mark_used(self, file_id: str) -> None:
        """Record that a chat or document references the file (so cleanup keeps it)."""
        with self._db.transaction() as session:
            row = session.get(UploadFile, file_id)
            if row is not None and not row.used:
                row.used = True

    def sweep_unused(self) -> int:
        """Delete uploads never referenced and older than the retention; returns the count.

        Runs in a task-runner thread (no event loop there), as the maintenance schedule's
        upload sweeper.
        """
        cutoff = utcnow() - timedelta(hours=self._limits.yarrow_unused_upload_retention_hours)
        with self._db.session() as session:
            rows = list(
                session.scalars(
                    select(UploadFile)
                    .where(UploadFile.used.is_(False), UploadFile.created_at < cutoff)
                    .limit(1000)
                )
            )
        for row in rows:
            asyncio.run(self.delete(row))
        return len(rows)

    async def delete(self, row: UploadFile) -> None:
        """Remove the record, then the object."""
        with self._db.transaction() as session:
            live = session.get(UploadFile, row.id)
            if live is not None:
                session.delete(live)
        await self.storage.delete(row.storage_key)


async def _first_chunk(iterator: AsyncIterator[bytes], want: int = 16) -> bytes:
    """At least ``want`` leading bytes (fewer only if the file is shorter)."""
    head = b""
    while len(head) < want:
        try:
            head += await anext(iterator)
        except StopAsyncIteration:
            break
    return head


async def _prepend(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for chunk in rest:
        yield chunk
