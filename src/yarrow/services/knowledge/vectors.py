"""The vector store of knowledge, built on first use from ``VECTOR_STORE`` (default lancedb)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from yarrow.settings.vector_store import VectorStoreSettings
from yarrow.vectorstores import VectorStore, VectorStoreRegistry

StoreFactory = Callable[[], VectorStore]


def collection_name(prefix: str, dataset_id: str) -> str:
    """Dify's collection name: ``Vector_index_<dataset id with underscores>_Node``."""
    return f"{prefix}_{dataset_id.replace('-', '_')}_Node"


def settings_factory(settings: VectorStoreSettings, data_dir: Path) -> StoreFactory:
    """A factory for the backend ``settings`` name; lancedb in the data dir when unset."""

    def build() -> VectorStore:
        chosen = settings
        if not chosen.vector_store:
            chosen = settings.model_copy(update={"vector_store": "lancedb"})
        return VectorStoreRegistry.from_entry_points().create(chosen, data_dir=data_dir)

    return build


class VectorIndex:
    """One lazily built store shared by indexing and retrieval; thread-safe."""

    def __init__(self, factory: StoreFactory, prefix: str = "Vector_index") -> None:
        self._factory = factory
        self._prefix = prefix
        self._store: VectorStore | None = None
        self._lock = threading.Lock()

    @property
    def store(self) -> VectorStore:
        """The store, built on first access (may raise ``ConfigurationError``)."""
        with self._lock:
            if self._store is None:
                self._store = self._factory()
            return self._store

    def replace(self, store: VectorStore | None) -> VectorStore | None:
        """Use ``store`` from now on (``None``: build on next use); returns the previous one."""
        with self._lock:
            previous, self._store = self._store, store
            return previous

    def collection(self, dataset_id: str) -> str:
        """The collection of ``dataset_id``."""
        return collection_name(self._prefix, dataset_id)

    def close(self) -> None:
        """Close the store if it was built."""
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
