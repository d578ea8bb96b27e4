"""Vector store settings (Dify §3.7 names). Extended by the vector-store backends."""

from __future__ import annotations

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
