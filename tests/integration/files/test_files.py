"""Uploads: Dify's response, signed previews, per-workspace and per-user access, bad files."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.integration.chat.conftest import ChatApp, make_app
from tests.integration.foundation.conftest import PASSWORD, User, assert_dify_error, login
from yarrow.db.models import UploadFile
from yarrow.entrypoints.wiring import Process
from yarrow.services.files import Uploader

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(
    app: ChatApp, name: str, data: bytes, user: str = "u", mime: str = "text/plain"
) -> object:
    return app.client.post(
        "/v1/files/upload",
        headers=app.headers,
        files={"file": (name, data, mime)},
        data={"user": user},
    )


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_service_upload_and_signed_preview(configured: User) -> None:
    app = make_app(configured)
    response = upload(app, "notes.txt", b"hello file")
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["name"], body["size"], body["extension"]) == ("notes.txt", 10, "txt")
    assert body["mime_type"] == "text/plain" and body["preview_url"].startswith("http://testserver")
    signed = app.client.get(_path(body["preview_url"]))
    assert signed.status_code == 200 and signed.content == b"hello file"
    assert signed.headers["x-content-type-options"] == "nosniff"
    assert signed.headers["content-disposition"].startswith("attachment")
    tampered = _path(body["preview_url"]).replace("sign=", "sign=x")
    assert_dify_error(app.client.get(tampered), 403)
    other_file = _path(body["preview_url"]).replace(body["id"], "0" * 8 + body["id"][8:])
    assert_dify_error(app.client.get(other_file), 403)
    own = app.client.get(
        f"/v1/files/{body['id']}/preview", params={"user": "u"}, headers=app.headers
    )
    assert own.content == b"hello file"


def test_files_are_private_to_user_app_and_workspace(configured: User, client: TestClient) -> None:
    app, other_app = make_app(configured), make_app(configured)
    file_id = upload(app, "a.txt", b"secret").json()["id"]
    for caller, user in ((app, "someone-else"), (other_app, "u")):
        response = caller.client.get(
            f"/v1/files/{file_id}/preview", params={"user": user}, headers=caller.headers
        )
        assert_dify_error(response, 404, "file_not_found")
    # the file cannot be used in another app's (or another user's) chat either
    for caller, user in ((app, "someone-else"), (other_app, "u")):
        chat = caller.post(
            "/chat-messages",
            {
                "query": "q",
                "inputs": {},
                "user": user,
                "files": [
                    {"type": "document", "transfer_method": "local_file", "upload_file_id": file_id}
                ],
            },
        )
        assert_dify_error(chat, 404, "file_not_found")
    ok = app.post(
        "/chat-messages",
        {
            "query": "q",
            "inputs": {},
            "user": "u",
            "files": [
                {"type": "document", "transfer_method": "local_file", "upload_file_id": file_id}
            ],
        },
    )
    assert ok.status_code == 200
    # a second workspace's owner sees none of it through the console
    token = configured.post(
        "/workspaces/current/members/invite-email", {"emails": ["b@example.com"], "role": "normal"}
    ).json()["invitation_results"][0]["token"]
    client.post("/console/api/activate", json={"token": token, "name": "B", "password": PASSWORD})
    other = login(client, "b@example.com")
    other.post("/workspaces", {"name": "B's"})
    assert_dify_error(other.get(f"/files/{file_id}/preview"), 404, "file_not_found")
    console_file = configured.client.post(
        "/console/api/files/upload",
        headers=configured.headers,
        files={"file": ("c.txt", b"console", "text/plain")},
    )
    assert console_file.status_code == 201
    cid = console_file.json()["id"]
    assert configured.get(f"/files/{cid}/preview").content == b"console"
    assert_dify_error(other.get(f"/files/{cid}/preview"), 404)


@pytest.mark.parametrize(
    "name, data, mime, status, code",
    [
        ("empty.txt", b"", "text/plain", 400, "empty_file"),
        ("big.txt", b"x" * (1024 * 1024 + 1), "text/plain", 413, "file_too_large"),
        ("big.png", PNG + b"x" * (1024 * 1024), "image/png", 413, "file_too_large"),
        ("fake.png", b"<script>alert(1)</script>", "image/png", 415, "unsupported_file_type"),
        ("fake.pdf", b"MZ\x90\x00not a pdf", "application/pdf", 415, "unsupported_file_type"),
        ("noextension", b"data", "text/plain", 415, "unsupported_file_type"),
        ("run.exe", b"MZ\x90\x00", "application/octet-stream", 400, "blocked_file_extension"),
        ("../../etc/passwd.txt", b"x", "text/plain", 400, "filename_not_exists_error"),
    ],
)
def test_bad_uploads(
    configured: User, process: Process, name: str, data: bytes, mime: str, status: int, code: str
) -> None:
    app = make_app(configured)
    assert_dify_error(upload(app, name, data, mime=mime), status, code)
    with process.database.session() as session:
        assert session.scalar(select(func.count()).select_from(UploadFile)) == 0
    tenant = configured.get("/workspaces/current").json()["id"]
    assert asyncio.run(_objects(process, tenant)) == []


def test_multipart_shape_errors(configured: User) -> None:
    app = make_app(configured)
    none = app.client.post("/v1/files/upload", headers=app.headers, data={"user": "u"})
    assert_dify_error(none, 400, "no_file_uploaded")
    two = app.client.post(
        "/v1/files/upload",
        headers=app.headers,
        data={"user": "u"},
        files=[("file", ("a.txt", b"a", "text/plain")), ("file", ("b.txt", b"b", "text/plain"))],
    )
    assert_dify_error(two, 400, "too_many_files")
    assert upload(app, "ok.png", PNG, mime="image/png").status_code == 201


def test_interrupted_upload_leaves_nothing(process: Process, configured: User) -> None:
    tenant = configured.get("/workspaces/current").json()["id"]

    async def broken() -> AsyncIterator[bytes]:
        yield b"first part of the file"
        raise ConnectionResetError("client went away")

    async def run() -> None:
        with pytest.raises(ConnectionResetError):
            await process.services.files.upload(
                Uploader(tenant, "account", "x"), "a.txt", "text/plain", broken()
            )

    asyncio.run(run())
    with process.database.session() as session:
        assert session.scalar(select(func.count()).select_from(UploadFile)) == 0
    assert asyncio.run(_objects(process, tenant)) == []


async def _objects(process: Process, tenant: str) -> list[str]:
    """Objects stored for one workspace (the storage folder is shared by the whole session)."""
    prefix = f"upload_files/{tenant}/"
    keys = process.services.files.storage.list_keys(prefix)
    return [key async for key in keys if not key.endswith("/")]


def test_sweep_removes_only_old_unused_uploads(configured: User, process: Process) -> None:
    from datetime import timedelta

    from yarrow.db.base import utcnow

    app = make_app(configured)
    unused = upload(app, "old.txt", b"old").json()["id"]
    used = upload(app, "kept.txt", b"kept").json()["id"]
    fresh = upload(app, "new.txt", b"new").json()["id"]
    app.post(
        "/chat-messages",
        {
            "query": "q",
            "inputs": {},
            "user": "u",
            "files": [
                {"type": "document", "transfer_method": "local_file", "upload_file_id": used}
            ],
        },
    )
    with process.database.transaction() as session:
        for file_id in (unused, used):
            session.get(UploadFile, file_id).created_at = utcnow() - timedelta(days=30)
    assert process.services.files.sweep_unused() == 1
    with process.database.session() as session:
        remaining = set(session.scalars(select(UploadFile.id)))
    assert remaining == {used, fresh}
    tenant = configured.get("/workspaces/current").json()["id"]
    assert len(asyncio.run(_objects(process, tenant))) == 2
