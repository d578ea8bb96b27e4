"""Vector store settings (Dify §3.7 names). Extended by the vector-store backends."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from yarrow.settings.base import SettingsGroup


class VectorStoreSettings(SettingsGroup):
    """Which vector store, and how to reach it."""

    vector_store: str | None = Field(
        default=None, description="Backend name; embedded mode defaults to lancedb."
    )
    vector_index_name_prefix: str = Field(default="Vector_index", description="Collection prefix.")
    pgvector_host: str = Field(default="", description="pgvector host.")
    pgvector_port: int = Field(default=5433, description="pgvector port.")
    pgvector_user: str = Field(default="", description="pgvector user.")
    pgvector_password: SecretStr = Field(default=SecretStr(""), description="pgvector password.")
    pgvector_database: str = Field(default="", description="pgvector database.")
    pgvector_min_connection: int = Field(default=1, ge=1, description="Pool minimum.")
    pgvector_max_connection: int = Field(default=5, ge=1, description="Pool maximum.")
    weaviate_endpoint: str = Field(default="", description="Weaviate URL.")
    weaviate_api_key: SecretStr = Field(default=SecretStr(""), description="Weaviate key.")
    qdrant_url: str = Field(default="", description="Qdrant URL.")
    qdrant_api_key: SecretStr = Field(default=SecretStr(""), description="Qdrant key.")
    milvus_uri: str = Field(default="http://127.0.0.1:19530", description="Milvus URI.")
    yarrow_vector_store_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to wait for a vector-store connection."
    )
    yarrow_lancedb_path: Path | None = Field(
        default=None, description="LanceDB directory; defaults to <YARROW_DATA_DIR>/lancedb."
    )
    yarrow_lancedb_ann_min_rows: int = Field(
        default=50_000, ge=1, description="Rows from which a LanceDB collection gets an ANN index."
    )
    yarrow_lancedb_nprobes: int = Field(
        default=20, ge=1, description="IVF partitions LanceDB probes per indexed query."
    )
    yarrow_lancedb_ef: int = Field(
        default=100, ge=1, description="HNSW candidate list size per indexed LanceDB query."
    )
    yarrow_lancedb_refine_factor: int = Field(
        default=4, ge=1, description="LanceDB re-ranks refine_factor x top_k candidates exactly."
    )
    yarrow_pgvector_ef_search: int = Field(
        default=100, ge=1, description="pgvector hnsw.ef_search for unfiltered queries."
    )
    yarrow_pgvector_text_search_config: str = Field(
        default="simple",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="PostgreSQL text-search configuration for pgvector full-text search.",
    )
