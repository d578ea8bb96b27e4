"""LanceDB passes the shared vector-store conformance suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from yarrow.testing.vectorstore import VectorStoreConformance
from yarrow.vectorstores.lancedb import LanceDBVectorStore


class TestLanceDBConformance(VectorStoreConformance):
    @pytest.fixture
    def store(self, lance_store: LanceDBVectorStore) -> LanceDBVectorStore:
        return lance_store

    @pytest.fixture
    def unreachable_store(self, tmp_path: Path) -> LanceDBVectorStore:
        # the data directory is a regular file: like an unmounted or broken volume
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("x")
        return LanceDBVectorStore(blocker)
