"""Standalone, Sentinel and Cluster Redis pass the same conformance suite as the memory twins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.cache.conftest import backends_for
from tests.integration.cache.topology import ClusterTopology, SentinelTopology, Standalone
from tests.unit.cache.conformance import CacheConformance
from yarrow.cache import CacheBackends


class TestStandalone(CacheConformance):
    @pytest.fixture
    def backends(self, standalone: Standalone) -> Iterator[CacheBackends]:
        made = backends_for(standalone.env(db=3))
        yield made
        made.close()


class TestSentinel(CacheConformance):
    @pytest.fixture
    def backends(self, sentinel_topology: SentinelTopology) -> Iterator[CacheBackends]:
        made = backends_for(sentinel_topology.env(db=3))
        yield made
        made.close()


class TestCluster(CacheConformance):
    @pytest.fixture
    def backends(self, cluster: ClusterTopology) -> Iterator[CacheBackends]:
        made = backends_for(cluster.env())
        yield made
        made.close()
