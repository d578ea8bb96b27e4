"""Per-key rate limits and stops through real Redis pub/sub."""

from __future__ import annotations

import time

from tests.integration.chat.conftest import make_app
from tests.integration.foundation.conftest import User, assert_dify_error
from yarrow.cache import build_cache_backends
from yarrow.services.chat.running import TaskRegistry
from yarrow.settings.redis import RedisSettings


def test_api_key_rate_limit(configured: User) -> None:
    app = make_app(configured)
    services = app.client.app.state.services  # type: ignore[attr-defined]
    original = services.settings
    limits = original.limits.model_copy(update={"yarrow_api_key_rate_limit_per_minute": 3})
    services.settings = original.model_copy(update={"limits": limits})
    try:
        for _ in range(3):
            assert app.get("/info").status_code == 200
        body = assert_dify_error(app.get("/info"), 429, "rate_limit_error")
        assert "3 requests per minute" in body["message"]
        other = make_app(configured)  # another key has its own budget
        assert other.get("/info").status_code == 200
    finally:
        services.settings = original


def test_stop_through_redis_pubsub() -> None:
    settings = RedisSettings.model_validate({"redis_host": "127.0.0.1", "redis_port": 6379})
    first = TaskRegistry(pubsub=build_cache_backends(settings, use_redis=True).pubsub)
    second = TaskRegistry(pubsub=build_cache_backends(settings, use_redis=True).pubsub)
    try:
        task = first.start("redis-task", "app", "App", "alice")
        second.start("warm-up", "app", "App", "bob")
        second.stop("redis-task", "app", "alice")
        deadline = time.monotonic() + 5
        while not task.stopped.is_set() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert task.stopped.is_set()
    finally:
        first.close()
        second.close()
