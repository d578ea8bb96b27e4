"""Timeouts, retries and failure translation against misbehaving loopback servers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.integration.storage.conftest import S3Server, s3_storage
from yarrow.errors import UpstreamUnavailable
from yarrow.storage import (
    CallLimits,
    ObjectNotFound,
    OpenDALStorage,
    StorageBreaker,
    StorageCircuitOpen,
    StorageUnavailable,
)

FAST = CallLimits(
    timeout=0.5, io_timeout=0.5, max_retries=2, retry_min_delay=0.01, retry_max_delay=0.05
)


class _Counter:
    def __init__(self) -> None:
        self.value = 0
        self.lock = threading.Lock()

    def bump(self) -> None:
        with self.lock:
            self.value += 1


@pytest.fixture
def unavailable_server() -> Iterator[tuple[str, _Counter]]:
    """An HTTP server that answers every request with 503 and counts them."""
    counter = _Counter()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            counter.bump()
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_HEAD = do_PUT = do_DELETE = _reply  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", counter
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def black_hole() -> Iterator[tuple[str, _Counter]]:
    """A TCP server that accepts connections and never answers."""
    counter = _Counter()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            counter.bump()
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", counter
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


def _s3_at(endpoint: str, limits: CallLimits) -> OpenDALStorage:
    options = {
        "bucket": "b",
        "endpoint": endpoint,
        "region": "us-east-1",
        "access_key_id": "a",
        "secret_access_key": "s",
        "disable_config_load": "true",
        "disable_ec2_metadata": "true",
    }
    return OpenDALStorage("s3", options, name="s3", limits=limits)


async def test_temporary_failures_are_retried_then_reported(
    unavailable_server: tuple[str, _Counter],
) -> None:
    endpoint, counter = unavailable_server
    storage = _s3_at(endpoint, FAST)
    with pytest.raises(StorageUnavailable) as info:
        await storage.stat("k")
    assert isinstance(info.value, UpstreamUnavailable)
    assert info.value.__cause__ is not None
    assert counter.value == 1 + FAST.max_retries


async def test_no_retries_when_disabled(unavailable_server: tuple[str, _Counter]) -> None:
    endpoint, counter = unavailable_server
    limits = CallLimits(timeout=0.5, io_timeout=0.5, max_retries=0)
    with pytest.raises(StorageUnavailable):
        await _s3_at(endpoint, limits).exists("k")
    assert counter.value == 1


async def test_a_silent_server_times_out(black_hole: tuple[str, _Counter]) -> None:
    endpoint, counter = black_hole
    storage = _s3_at(endpoint, FAST)
    with pytest.raises(StorageUnavailable):
        await storage.stat("k")
    assert counter.value >= 1


async def test_a_silent_server_times_out_a_streamed_read(
    black_hole: tuple[str, _Counter],
) -> None:
    endpoint, _ = black_hole
    with pytest.raises(StorageUnavailable):
        async for _chunk in _s3_at(endpoint, FAST).stream("k"):
            pass


async def test_connection_refused_is_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    storage = _s3_at(f"http://127.0.0.1:{port}", FAST)
    with pytest.raises(StorageUnavailable):
        await storage.save("k", b"x")


@pytest.mark.live
async def test_missing_bucket_is_not_reported_as_a_missing_object(moto_s3: S3Server) -> None:
    storage = s3_storage(S3Server(moto_s3.endpoint, "no-such-bucket"))
    with pytest.raises(StorageUnavailable):
        await storage.save("k", b"x")
    with pytest.raises((StorageUnavailable, ObjectNotFound)):
        await storage.load("k")


async def test_breaker_stops_calling_a_failing_backend(
    unavailable_server: tuple[str, _Counter],
) -> None:
    endpoint, counter = unavailable_server
    storage = _s3_at(endpoint, CallLimits(timeout=0.5, io_timeout=0.5, max_retries=0))
    clock = [0.0]
    storage.breaker = StorageBreaker(failure_threshold=2, reset_timeout=30, clock=lambda: clock[0])
    for _ in range(2):
        with pytest.raises(StorageUnavailable):
            await storage.stat("k")
    assert counter.value == 2
    with pytest.raises(StorageCircuitOpen):
        await storage.stat("k")
    with pytest.raises(StorageCircuitOpen):
        await storage.save("k", b"x")
    assert counter.value == 2  # nothing reached the backend
    clock[0] = 30.0
    with pytest.raises(StorageUnavailable):
        await storage.exists("k")  # the half-open trial goes out, fails, re-opens
    assert counter.value == 3
    with pytest.raises(StorageCircuitOpen):
        await storage.exists("k")
