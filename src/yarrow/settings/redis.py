"""Redis, Celery and task-runner settings (Dify §3.4-3.5 names); Redis is off in embedded mode."""

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
    yarrow_redis_failover_seconds: float = Field(
        default=15.0,
        ge=0,
        description="How long a Redis call keeps retrying through a failover before it fails.",
    )


class CelerySettings(SettingsGroup):
    """Celery broker, worker and beat, and the task runners' own limits."""

    celery_broker_url: str | None = Field(default=None, description="Broker URL.")
    celery_backend: str = Field(
        default="redis",
        description="redis or database (accepted for Dify; task results live in task_records).",
    )
    celery_use_sentinel: bool = Field(default=False, description="Broker through Sentinel.")
    celery_sentinel_master_name: str | None = Field(default=None, description="Master name.")
    celery_sentinel_password: SecretStr | None = Field(default=None, description="Password.")
    celery_sentinel_socket_timeout: float = Field(default=0.1, gt=0, description="Seconds.")
    celery_worker_amount: int = Field(default=1, ge=1, description="Worker concurrency.")
    celery_worker_concurrency: int | None = Field(
        default=None, ge=1, description="Overrides CELERY_WORKER_AMOUNT."
    )
    celery_queues: str = Field(default="", description="Comma-separated queue list.")
    celery_worker_queues: str = Field(default="", description="Overrides CELERY_QUEUES.")
    celery_prefetch_multiplier: int = Field(default=1, ge=1, description="Prefetch per process.")
    max_tasks_per_child: int = Field(default=50, ge=1, description="Recycle worker children.")
    celery_beat_scheduler_time: int = Field(
        default=1, ge=1, description="Days between the beat's cleanup runs."
    )
    yarrow_task_visibility_timeout: int = Field(
        default=3600,
        ge=1,
        description="Seconds before Redis redelivers an unacknowledged task; keep above the "
        "longest task time limit.",
    )
    yarrow_task_time_limit: int = Field(
        default=1800, ge=1, description="Default per-task time limit in seconds."
    )
    yarrow_task_record_retention_days: int = Field(
        default=7, ge=1, description="Days finished task records are kept."
    )
    yarrow_task_recovery_interval: int = Field(
        default=60, ge=1, description="Seconds between runs of the stuck-task recovery job."
    )
    yarrow_task_publish_retry_seconds: float = Field(
        default=10.0,
        ge=0,
        description="How long enqueue retries publishing to an unreachable broker before failing.",
    )
    yarrow_task_lease_seconds: int = Field(
        default=30,
        ge=2,
        description="A running attempt without a heartbeat for this long is presumed lost.",
    )
    yarrow_inprocess_task_workers: int = Field(
        default=2, ge=1, description="Worker threads of the in-process runner (yarrow serve)."
    )
    yarrow_task_modules: str = Field(
        default="",
        description="Comma-separated modules whose register(registry, schedule) adds tasks.",
    )

    @property
    def concurrency(self) -> int:
        """Worker processes: CELERY_WORKER_CONCURRENCY, else CELERY_WORKER_AMOUNT."""
        return self.celery_worker_concurrency or self.celery_worker_amount

    @property
    def queue_names(self) -> list[str]:
        """Queues selected by CELERY_WORKER_QUEUES or CELERY_QUEUES (empty: all known)."""
        raw = self.celery_worker_queues or self.celery_queues
        return [q.strip() for q in raw.split(",") if q.strip()]
