"""The Redis client factory's configuration rules (no server needed: clients connect lazily)."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from pydantic import SecretStr

from yarrow.cache import RedisConfigurationError, build_redis
from yarrow.cache.redis_client import failover_retry, parse_nodes
from yarrow.settings.redis import RedisSettings


def settings(**values: Any) -> RedisSettings:
    return RedisSettings(**values)


def test_parse_nodes() -> None:
    assert parse_nodes(" a:1, b.example:6379 ,[::1]:26379", "X") == [
        ("a", 1),
        ("b.example", 6379),
        ("::1", 26379),
    ]


@pytest.mark.parametrize("value", [None, "", " , ", "host", "host:", ":1", "h:x", "h:70000"])
def test_parse_nodes_rejects(value: str | None) -> None:
    with pytest.raises(RedisConfigurationError):
        parse_nodes(value, "REDIS_SENTINELS")


def test_standalone_client_uses_dify_settings() -> None:
    client = build_redis(
        settings(
            redis_host="10.1.2.3",
            redis_port=6380,
            redis_db=4,
            redis_username="u",
            redis_password=SecretStr("pw"),
        )
    )
    assert isinstance(client, redis.Redis)
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("10.1.2.3", 6380, 4)
    assert (kwargs["username"], kwargs["password"]) == ("u", "pw")


def test_sentinel_client_targets_the_service() -> None:
    client = build_redis(
        settings(
            redis_use_sentinel=True,
            redis_sentinels="127.0.0.1:26379,127.0.0.1:26380",
            redis_sentinel_service_name="mymaster",
            redis_db=2,
        )
    )
    pool: Any = client.connection_pool
    assert pool.service_name == "mymaster" and pool.is_master
    assert len(pool.sentinel_manager.sentinels) == 2


@pytest.mark.parametrize(
    "values",
    [
        {"redis_use_sentinel": True, "redis_sentinels": "h:1"},
        {"redis_use_sentinel": True, "redis_sentinel_service_name": "m"},
        {"redis_use_clusters": True},
        {"redis_use_clusters": True, "redis_use_sentinel": True, "redis_clusters": "h:1"},
    ],
)
def test_incomplete_modes_are_refused(values: dict[str, Any]) -> None:
    with pytest.raises(RedisConfigurationError):
        build_redis(settings(**values))


def test_failover_retry_covers_the_configured_window() -> None:
    retry: Any = failover_retry(settings(yarrow_redis_failover_seconds=3))
    assert retry._retries == 15
