"""Real backends for the conformance suite: LanceDB in a temp dir, pgvector on pgserver."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from yarrow.vectorstores.lancedb import LanceDBVectorStore
from yarrow.vectorstores.pgvector import PGVectorVectorStore


def free_port() -> int:
    """A loopback TCP port nothing listens on (closed right after binding)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def pg_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL 16 + pgvector server from PyPI's pgserver, on a unix socket in a temp dir.

    As root, pgserver runs postgres as a ``pgserver`` system user it creates.
    """
    folder = tmp_path_factory.mktemp("pgserver")
    runtime = tmp_path_factory.mktemp("xdg-runtime")
    os.chmod(runtime, 0o700)
    with pytest.MonkeyPatch.context() as patch:
        # platformdirs (used by pgserver) warns when XDG_RUNTIME_DIR is unset
        patch.setenv("XDG_RUNTIME_DIR", str(runtime))
        import pgserver

        server = pgserver.get_server(str(folder / "data"), cleanup_mode="stop")
        try:
            yield str(server.get_uri())
        finally:
            server.cleanup()


@pytest.fixture(scope="session")
def pg_store(pg_uri: str) -> Iterator[PGVectorVectorStore]:
    store = PGVectorVectorStore(pg_uri, max_connections=6)
    yield store
    store.close()


@pytest.fixture
def lance_dir(tmp_path: Path) -> Path:
    return tmp_path / "lancedb"


@pytest.fixture(scope="session")
def lance_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LanceDBVectorStore]:
    store = LanceDBVectorStore(tmp_path_factory.mktemp("lance") / "db")
    yield store
    store.close()
