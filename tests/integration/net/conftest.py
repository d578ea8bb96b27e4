"""Real HTTP servers on loopback (127.0.0.1 and 127.0.0.2) that count what reaches them."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Origin:
    """One running server: its base URL and the requests it received."""

    host: str
    port: int
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, Host header)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


class _Handler(BaseHTTPRequestHandler):
    origin: Origin

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        self.origin.requests.append((self.path, self.headers.get("Host", "")))
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        route = {
            "/redirect": self._redirect,
            "/loop": self._loop,
            "/big": self._big,
            "/drip": self._drip,
            "/hang": self._hang,
            "/truncated": self._truncated,
            "/gzip": self._gzip,
        }.get(parts.path, self._ok)
        route(query)

    def _ok(self, query: dict[str, str]) -> None:
        self._send(200, f"ok host={self.headers.get('Host')}".encode())

    def _redirect(self, query: dict[str, str]) -> None:
        self._send(302, b"", {"Location": query["to"]})

    def _loop(self, query: dict[str, str]) -> None:
        self._send(302, b"", {"Location": "/loop"})

    def _big(self, query: dict[str, str]) -> None:
        size = int(query["n"])
        if query.get("declared", "1") == "1":
            self._send(200, b"b" * size)
            return
        # close-delimited body, no Content-Length
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        for _ in range(size // 65536 + 1):
            self.wfile.write(b"b" * 65536)
        self.close_connection = True

    def _drip(self, query: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        for _ in range(1000):
            if self.origin.stop.wait(0.1):
                return
            self.wfile.write(b".")
            self.wfile.flush()

    def _gzip(self, query: dict[str, str]) -> None:
        """``n`` zero bytes, gzip-encoded (50 MB of zeros compress to ~50 kB)."""
        self._send(200, gzip.compress(b"\0" * int(query["n"])), {"Content-Encoding": "gzip"})

    def _truncated(self, query: dict[str, str]) -> None:
        """Promises 1 MB, sends 300 kB, hangs up (a dropped remote upload)."""
        self.send_response(200)
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        self.wfile.write(b"t" * 300_000)
        self.wfile.flush()
        self.close_connection = True

    def _hang(self, query: dict[str, str]) -> None:
        self.origin.stop.wait(10)


def _handler(origin: Origin) -> type[BaseHTTPRequestHandler]:
    return type("Handler", (_Handler,), {"origin": origin})


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up early are part of the tests


def _serve(host: str) -> Iterator[Origin]:
    server = _QuietServer((host, 0), _handler(Origin(host, 0)))
    origin = Origin(host, int(server.server_address[1]))
    server.RequestHandlerClass = _handler(origin)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        origin.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def origin() -> Iterator[Origin]:
    """A server on 127.0.0.1."""
    yield from _serve("127.0.0.1")


@pytest.fixture
def other_origin() -> Iterator[Origin]:
    """A server on 127.0.0.2 (a different address on loopback)."""
    yield from _serve("127.0.0.2")
