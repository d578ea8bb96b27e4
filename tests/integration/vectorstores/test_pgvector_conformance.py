"""pgvector (real PostgreSQL 16 + pgvector 0.6 from pgserver) passes the conformance suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.vectorstores.conftest import free_port
from yarrow.testing.vectorstore import VectorStoreConformance
from yarrow.vectorstores.pgvector import PGVectorVectorStore


class TestPGVectorConformance(VectorStoreConformance):
    @pytest.fixture
    def store(self, pg_store: PGVectorVectorStore) -> PGVectorVectorStore:
        return pg_store

    @pytest.fixture
    def unreachable_store(self) -> Iterator[PGVectorVectorStore]:
        conninfo = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
        store = PGVectorVectorStore(conninfo, connect_timeout=1.0)
        yield store
        store.close()
