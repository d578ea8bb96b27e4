"""The in-memory twin passes the same conformance suite as the real backends."""

from __future__ import annotations

import pytest

from yarrow.testing.vectorstore import VectorStoreConformance
from yarrow.vectorstores.memory import InMemoryVectorStore


class TestInMemoryConformance(VectorStoreConformance):
    @pytest.fixture
    def store(self) -> InMemoryVectorStore:
        return InMemoryVectorStore()

    @pytest.fixture
    def unreachable_store(self) -> InMemoryVectorStore:
        return InMemoryVectorStore(available=False)


def test_switching_off_and_on() -> None:
    store = InMemoryVectorStore()
    store.create_collection("c", 2)
    store.available = False
    assert not store.health().ok
    store.available = True
    assert store.count("c") == 0
