"""Real backends for the conformance suite: LanceDB in a temp dir, pgvector on pgserver."""

from __future__ import annotations

import shutil
import socket
import tempfile
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
def pg_uri() -> Iterator[str]:
    """A PostgreSQL 16 + pgvector server from PyPI's pgserver, on a unix socket in a temp dir.

    As root, pgserver runs postgres as a ``pgserver`` system user it creates. The data lives in
    its own ``mkdtemp`` folder rather than pytest's numbered temp dirs, which a concurrent pytest
    session on the same machine may prune while the server is running.
    """
    folder = Path(tempfile.mkdtemp(prefix="yarrow-pgserver-"))
    # pgserver keeps a lock file under XDG_RUNTIME_DIR and re-creates it at interpreter exit, so
    # use one fixed folder (mode 0700, as platformdirs requires) instead of leaking one per run.
    runtime = Path(tempfile.gettempdir()) / "yarrow-pgserver-runtime"
    runtime.mkdir(exist_ok=True)
    runtime.chmod(0o700)
    try:
        with pytest.MonkeyPatch.context() as patch:
            # platformdirs (used by pgserver) warns when XDG_RUNTIME_DIR is unset
            patch.setenv("XDG_RUNTIME_DIR", str(runtime))
            import pgserver

            server = pgserver.get_server(str(folder / "data"), cleanup_mode="stop")
            try:
                yield str(server.get_uri())
            finally:
                server.cleanup()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
