"""The in-memory twins (embedded mode) pass the shared conformance suite."""

from __future__ import annotations

import pytest

from tests.unit.cache.conformance import CacheConformance
from yarrow.cache import CacheBackends, build_cache_backends
from yarrow.settings.redis import RedisSettings


@pytest.fixture
def backends() -> CacheBackends:
    made = build_cache_backends(RedisSettings(), use_redis=False)
    assert made.client is None
    return made


class TestMemoryBackends(CacheConformance):
    pass
