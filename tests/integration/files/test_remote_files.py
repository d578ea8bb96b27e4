"""Remote-file uploads go through the SSRF guard and the same checks as uploads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.integration.foundation.conftest import User, assert_dify_error
from tests.live import free_port

FILES = {
    "/notes.txt": (b"remote notes", "text/plain"),
    "/big.txt": (b"x" * (1024 * 1024 + 10), "text/plain"),
    "/download": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "image/png"),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        found = FILES.get(self.path)
        if found is None:
            self.send_response(404)
            self.end_headers()
            return
        body, mime = found
        self.send_response(200)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def public_host() -> Iterator[str]:
    """A file server on 127.0.0.2, the address the settings allow."""
    server = ThreadingHTTPServer(("127.0.0.2", free_port()), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.2:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_remote_upload(owner: User, public_host: str) -> None:
    response = owner.post("/remote-files/upload", {"url": f"{public_host}/notes.txt"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["name"], body["size"], body["url"]) == (
        "notes.txt",
        12,
        f"{public_host}/notes.txt",
    )
    assert owner.get(f"/files/{body['id']}/preview").content == b"remote notes"
    named = owner.post("/remote-files/upload", {"url": f"{public_host}/download"}).json()
    assert named["name"] == "download.png" and named["mime_type"] == "image/png"


@pytest.mark.parametrize(
    "path_or_url, status, code",
    [
        ("http://127.0.0.1:{port}/notes.txt", 400, "remote_file_upload_failed"),
        ("http://169.254.169.254/latest/meta-data/", 400, "remote_file_upload_failed"),
        ("http://[::1]:{port}/notes.txt", 400, "remote_file_upload_failed"),
        ("file:///etc/passwd", 400, "remote_file_upload_failed"),
        ("{host}/missing.txt", 400, "remote_file_upload_failed"),
        ("{host}/big.txt", 413, "file_too_large"),
    ],
)
def test_refused_remote_uploads(
    owner: User, public_host: str, path_or_url: str, status: int, code: str
) -> None:
    port = public_host.rsplit(":", 1)[1]
    url = path_or_url.format(host=public_host, port=port)
    assert_dify_error(owner.post("/remote-files/upload", {"url": url}), status, code)
