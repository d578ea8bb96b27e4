"""Redis and Celery settings (Dify §3.4-3.5 names). Unused in embedded mode."""

from __future__ import annotations

from pydantic import Field, SecretStr

from yarrow.settings.base import SettingsGroup


class RedisSettings(SettingsGroup):
    """Standalone, Sentinel or Cluster Redis."""

    redis_host: str = Field(default="localhost", description="Redis host.")
    redis_port: int = Field(default=6379, ge=1, le=65535, description="Redis port.")
    redis_username: str | None = Field(default=None, description="Redis ACL user.")
    redis_password: SecretStr | None = Field(default=None, description="Redis password.")
    redis_db: int = Field(default=0, ge=0, description="Redis database number.")
    redis_use_ssl: bool = Field(default=False, description="Use TLS.")
    redis_use_sentinel: bool = Field(default=False, description="Discover the master by Sentinel.")
    redis_sentinels: str | None = Field(default=None, description="host:port,host:port")
    redis_sentinel_service_name: str | None = Field(default=None, description="Master name.")
    redis_sentinel_username: str | None = Field(default=None, description="Sentinel user.")
    redis_sentinel_password: SecretStr | None = Field(default=None, description="Sentinel pw.")
    redis_sentinel_socket_timeout: float = Field(default=0.1, gt=0, description="Seconds.")
    redis_use_clusters: bool = Field(default=False, description="Use Redis Cluster.")
    redis_clusters: str | None = Field(default=None, description="host:port,host:port")
    redis_clusters_password: SecretStr | None = Field(default=None, description="Cluster pw.")
    redis_socket_timeout: float = Field(default=5.0, gt=0, description="Seconds.")
    redis_socket_connect_timeout: float = Field(default=5.0, gt=0, description="Seconds.")
    yarrow_redis_enabled: bool | None = Field(
        default=None,
        description="Use Redis; unset means yes outside embedded mode, no inside it.",
    )


class CelerySettings(SettingsGroup):
    """Celery broker and result backend."""

    celery_broker_url: str | None = Field(default=None, description="Broker URL.")
    celery_backend: str = Field(default="redis", description="redis or database.")
    celery_use_sentinel: bool = Field(default=False, description="Broker through Sentinel.")
    celery_sentinel_master_name: str | None = Field(default=None, description="Master name.")
    celery_sentinel_password: SecretStr | None = Field(default=None, description="Password.")
    celery_sentinel_socket_timeout: float = Field(default=0.1, gt=0, description="Seconds.")
    celery_worker_amount: int = Field(default=1, ge=1, description="Worker concurrency.")
    celery_queues: str = Field(default="", description="Comma-separated queue list.")
