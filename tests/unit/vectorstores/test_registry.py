"""Backends are found by Dify's VECTOR_STORE names; unknown names list the installed ones."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from yarrow.errors import ConfigurationError
from yarrow.settings.vector_store import VectorStoreSettings
from yarrow.vectorstores import UnknownVectorStore, VectorStoreRegistry
from yarrow.vectorstores.lancedb import LanceDBVectorStore
from yarrow.vectorstores.pgvector import PGVectorVectorStore


def test_builtins_are_registered_by_entry_points() -> None:
    names = VectorStoreRegistry.from_entry_points().names()
    assert {"lancedb", "pgvector"} <= set(names)


def test_unknown_backend_lists_installed() -> None:
    registry = VectorStoreRegistry.from_entry_points()
    with pytest.raises(UnknownVectorStore) as info:
        registry.factory("weaviatex")
    assert "lancedb" in info.value.message and "pgvector" in info.value.message


def test_unset_vector_store_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="VECTOR_STORE is not set"):
        VectorStoreRegistry.from_entry_points().create(VectorStoreSettings(), data_dir=tmp_path)


def test_backend_whose_sdk_is_missing() -> None:
    entry = EntryPoint("qdrant", "yarrow_no_such_module:factory", "yarrow.vector_stores")
    registry = VectorStoreRegistry({"qdrant": entry})
    with pytest.raises(ConfigurationError, match="cannot be imported"):
        registry.factory("qdrant")


def test_lancedb_from_settings_uses_the_data_dir(tmp_path: Path) -> None:
    settings = VectorStoreSettings(vector_store="LanceDB", yarrow_lancedb_nprobes=7)
    store = VectorStoreRegistry.from_entry_points().create(settings, data_dir=tmp_path)
    assert isinstance(store, LanceDBVectorStore)
    store.create_collection("c", 2)
    assert (tmp_path / "lancedb" / "c.lance").is_dir()
    store.close()


def test_pgvector_from_settings_builds_conninfo(tmp_path: Path) -> None:
    settings = VectorStoreSettings(
        vector_store="pgvector",
        pgvector_host="127.0.0.1",
        pgvector_port=5999,
        pgvector_user="u",
        pgvector_password="p w",  # type: ignore[arg-type]
        pgvector_database="db",
    )
    store = VectorStoreRegistry.from_entry_points().create(settings, data_dir=tmp_path)
    assert isinstance(store, PGVectorVectorStore)
    assert "port=5999" in store._conninfo and "dbname=db" in store._conninfo
    store.close()


def test_pgvector_needs_a_host(tmp_path: Path) -> None:
    settings = VectorStoreSettings(vector_store="pgvector")
    with pytest.raises(ConfigurationError, match="PGVECTOR_HOST"):
        VectorStoreRegistry.from_entry_points().create(settings, data_dir=tmp_path)


def test_explicit_registration_wins(tmp_path: Path) -> None:
    registry = VectorStoreRegistry()
    made: list[Path] = []

    def factory(settings: VectorStoreSettings, data_dir: Path) -> LanceDBVectorStore:
        made.append(data_dir)
        return LanceDBVectorStore(data_dir / "x")

    registry.register("custom", factory)
    store = registry.create(VectorStoreSettings(vector_store="custom"), data_dir=tmp_path)
    assert made == [tmp_path] and isinstance(store, LanceDBVectorStore)


def test_settings_read_dify_and_yarrow_names() -> None:
    settings = VectorStoreSettings.model_validate(
        {"vector_store": "pgvector", "pgvector_host": "db", "yarrow_lancedb_ann_min_rows": "10"}
    )
    assert settings.pgvector_host == "db" and settings.yarrow_lancedb_ann_min_rows == 10
    with pytest.raises(ValueError, match="text_search_config"):
        VectorStoreSettings(yarrow_pgvector_text_search_config="english; drop")
    for name, field in VectorStoreSettings.model_fields.items():
        assert field.description, name
