"""pgvector specifics: HNSW index present, registry survives reconnects, pool recovers."""

from __future__ import annotations

import psycopg
import pytest

from yarrow.vectorstores import CollectionNotFound, Range, VectorRecord
from yarrow.vectorstores.pgvector import PGVectorVectorStore
from yarrow.vectorstores.pgvector_sql import table_name


def test_collection_gets_hnsw_gin_and_btree_indexes(
    pg_uri: str, pg_store: PGVectorVectorStore
) -> None:
    pg_store.create_collection("idx_check", 8)
    try:
        with psycopg.connect(pg_uri) as conn:
            rows = conn.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = %s",
                (table_name("idx_check"),),
            ).fetchall()
        definitions = " ".join(r[0] for r in rows)
        assert "USING hnsw (embedding vector_cosine_ops)" in definitions
        assert "USING gin (tsv)" in definitions
        assert "(document_id)" in definitions
    finally:
        pg_store.drop_collection("idx_check")


def test_large_dimensions_skip_hnsw_but_work(pg_store: PGVectorVectorStore) -> None:
    pg_store.create_collection("wide", 3000)
    try:
        vector = tuple(1.0 if i == 5 else 0.0 for i in range(3000))
        pg_store.upsert("wide", [VectorRecord("w", "d", "wide", vector)])
        assert pg_store.search_by_vector("wide", vector)[0].score == pytest.approx(1.0)
    finally:
        pg_store.drop_collection("wide")


def test_new_instance_sees_collections_and_data(pg_uri: str, pg_store: PGVectorVectorStore) -> None:
    pg_store.create_collection("persist", 2)
    pg_store.upsert("persist", [VectorRecord("a", "d", "alpha", (1.0, 0.0))])
    other = PGVectorVectorStore(pg_uri)
    try:
        assert "persist" in other.list_collections()
        assert other.count("persist") == 1
        other.drop_collection("persist")
        # the first instance's cached table is gone: a clear NotFound, not a crash
        with pytest.raises(CollectionNotFound):
            pg_store.count("persist")
        assert not pg_store.has_collection("persist")
    finally:
        other.close()


def test_pool_recovers_after_connections_are_killed(
    pg_uri: str, pg_store: PGVectorVectorStore
) -> None:
    pg_store.create_collection("recover", 2)
    try:
        pg_store.upsert("recover", [VectorRecord("a", "d", "alpha", (1.0, 0.0))])
        with psycopg.connect(pg_uri, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"
            ).fetchall()
        assert killed and all(row[0] for row in killed)
        assert pg_store.count("recover") == 1
        assert pg_store.search_by_vector("recover", (1.0, 0.0))[0].id == "a"
    finally:
        pg_store.drop_collection("recover")


def test_selective_filter_never_loses_matches(pg_uri: str) -> None:
    """HNSW post-filtering with a tiny ef finds none of 5 far matches; the exact rerun does."""
    store = PGVectorVectorStore(pg_uri, ef_search=10, filtered_ef_search=10)
    try:
        store.create_collection("selective", 2)
        near = [
            VectorRecord(f"n{i}", "d", "near", (1.0, i / 5000), {"r": 0.0}) for i in range(2000)
        ]
        far = [VectorRecord(f"f{i}", "d", "far", (-1.0, i / 10), {"r": 1.0}) for i in range(5)]
        store.upsert("selective", near + far)
        store.optimize("selective")
        query = (
            f"SELECT id FROM {table_name('selective')} WHERE (CASE WHEN "
            "jsonb_typeof(meta -> 'r') = 'number' THEN (meta ->> 'r')::float8 END) > 0.5 "
            "ORDER BY embedding <=> '[1,0]' LIMIT 5"
        )
        with psycopg.connect(pg_uri) as conn:
            conn.execute("SET hnsw.ef_search = 10")
            plan = " ".join(str(row[0]) for row in conn.execute("EXPLAIN " + query).fetchall())
            raw = conn.execute(query).fetchall()
        assert "hnsw" in plan  # the planner does use HNSW here ...
        assert len(raw) < 5  # ... and HNSW alone loses the matches
        hits = store.search_by_vector("selective", (1.0, 0.0), top_k=5, filter=Range("r", gt=0.5))
        assert sorted(h.id for h in hits) == [f"f{i}" for i in range(5)]
    finally:
        store.drop_collection("selective")
        store.close()
