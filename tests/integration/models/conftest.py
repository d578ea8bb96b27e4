"""Fixtures for model-runtime integration tests.

One session-scoped runtime owns the real llama.cpp child (Gemma 3 270M, assembled from the
packaged GGUF into a temporary data directory) and the real MiniLM ONNX model; every test that
needs the real server shares it. The child is stopped at session end.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from yarrow.models import ModelRuntime, ProviderContext
from yarrow.models.providers.local.llama_server import LlamaServerSupervisor
from yarrow.models.providers.local.provider import LocalProvider
from yarrow.settings.models import ModelSettings

# Generous: CI shares two cores with other suites, and the base model is slow under load.
SETTINGS = {
    "yarrow_model_timeout": 120.0,
    "yarrow_model_max_retries": 1,
    "yarrow_model_retry_base_delay": 0.2,
    "yarrow_local_llm_startup_timeout": 120.0,
    # one llama.cpp thread: 3-4x faster than two when other processes compete for the 2 cores
    # (docs/benchmarks.md), and only somewhat slower when they do not
    "yarrow_local_llm_threads": 1,
}


@pytest.fixture(scope="session")
def models_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models-data")


@pytest.fixture(scope="session")
def local_runtime(models_data_dir: Path) -> Iterator[ModelRuntime]:
    context = ProviderContext(settings=ModelSettings(**SETTINGS), data_dir=models_data_dir)
    runtime = ModelRuntime(context)
    yield runtime
    provider = runtime.provider("local")
    assert isinstance(provider, LocalProvider)
    provider.supervisor.stop()
    shutil.rmtree(models_data_dir / "models", ignore_errors=True)  # the 253 MB GGUF


@pytest.fixture(scope="session")
def llama(local_runtime: ModelRuntime) -> LlamaServerSupervisor:
    """The running local llama.cpp supervisor (started once per session)."""
    provider = local_runtime.provider("local")
    assert isinstance(provider, LocalProvider)
    provider.supervisor.ensure_running()
    return provider.supervisor


class SlowHandler(BaseHTTPRequestHandler):
    """Answers after ``delay`` seconds; streams stall after their first chunk."""

    delay = 3.0
    hits: list[str]

    def do_POST(self) -> None:
        self.hits.append(self.path)
        length = int(self.headers.get("content-length", 0))
        body = self.rfile.read(length)
        if b'"stream":true' in body.replace(b" ", b""):
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            chunk = (
                b'data: {"id":"c","object":"chat.completion.chunk","created":1,'
                b'"model":"m","choices":[{"index":0,"delta":{"content":"hi"},'
                b'"finish_reason":null}]}\n\n'
            )
            self.wfile.write(chunk)
            self.wfile.flush()
        time.sleep(self.delay)
        try:
            self.send_response(500)
            self.end_headers()
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def slow_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that is too slow to answer; yields (base URL, request paths)."""
    hits: list[str] = []
    handler = type("Handler", (SlowHandler,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", hits
    server.shutdown()
    server.server_close()
