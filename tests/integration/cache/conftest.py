"""Redis topologies started for the cache tests (session-wide; destructive tests make their own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.cache.topology import ClusterTopology, SentinelTopology, Standalone
from yarrow.cache import CacheBackends, build_cache_backends
from yarrow.settings.redis import RedisSettings


def backends_for(env: dict[str, str]) -> CacheBackends:
    settings = RedisSettings.model_validate({k.lower(): v for k, v in env.items()})
    return build_cache_backends(settings, use_redis=True)


@pytest.fixture(scope="session")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standalone]:
    made = Standalone(tmp_path_factory.mktemp("redis-standalone"))
    yield made
    made.stop()


@pytest.fixture(scope="session")
def sentinel_topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SentinelTopology]:
    made = SentinelTopology(tmp_path_factory.mktemp("redis-sentinel"))
    yield made
    made.stop()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterTopology]:
    made = ClusterTopology(tmp_path_factory.mktemp("redis-cluster"))
    yield made
    made.stop()
