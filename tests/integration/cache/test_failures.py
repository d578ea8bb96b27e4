"""Redis down or restarted: clear errors after the failover window, recovery when it is back."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.integration.cache.conftest import backends_for
from tests.integration.cache.topology import Standalone, free_port
from yarrow.cache import CacheUnavailable


def test_unreachable_redis_raises_cache_unavailable() -> None:
    backends = backends_for(
        {
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(free_port()),
            "YARROW_REDIS_FAILOVER_SECONDS": "0.4",
        }
    )
    started = time.monotonic()
    with pytest.raises(CacheUnavailable):
        backends.cache.get("k")
    assert time.monotonic() - started < 5
    with pytest.raises(CacheUnavailable):
        backends.locks.acquire("l", ttl=1)
    with pytest.raises(CacheUnavailable):
        backends.rate_limiter.hit("r", limit=1, window=1)
    with pytest.raises(CacheUnavailable):
        backends.pubsub.publish("c", b"x")
    with pytest.raises(CacheUnavailable):
        backends.pubsub.subscribe("c")
    with pytest.raises(CacheUnavailable):
        backends.check()
    backends.close()


def test_restart_within_the_failover_window_is_ridden_out(tmp_path: Path) -> None:
    server = Standalone(tmp_path / "restart")
    backends = backends_for({**server.env(), "YARROW_REDIS_FAILOVER_SECONDS": "10"})
    subscription = backends.pubsub.subscribe("events")
    try:
        backends.cache.set("before", b"1")
        server.kill(server.port)
        restart = threading.Timer(1.0, lambda: server.redis(server.port))
        restart.start()
        backends.cache.set("after", b"2")  # retried until the server is back
        restart.join()
        assert backends.cache.get("after") == b"2"
        assert backends.cache.get("before") is None  # no persistence configured: a fresh server

        def delivered() -> bool:
            backends.pubsub.publish("events", b"again")
            return subscription.get(0.5) == b"again"

        deadline = time.monotonic() + 15
        while not delivered():
            assert time.monotonic() < deadline, "subscription did not come back"
    finally:
        subscription.close()
        backends.close()
        server.stop()
