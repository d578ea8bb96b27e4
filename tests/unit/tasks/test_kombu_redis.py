"""The kombu transport fix: no restore through a connection that is gone (no broker needed)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import kombu.transport

from yarrow.tasks import kombu_redis


def test_restore_is_skipped_without_a_connection() -> None:
    qos: Any = kombu_redis._QoS.__new__(kombu_redis._QoS)
    qos.channel = SimpleNamespace(connection=SimpleNamespace(client=None))
    qos._delivered = {"tag-1": object(), "tag-2": object()}
    assert qos.restore_unacked() is None
    assert qos._delivered == {}


def test_restore_goes_through_kombu_with_a_connection(monkeypatch: Any) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(
        kombu_redis.kombu_redis.QoS, "restore_unacked", lambda self, client=None: calls.append(1)
    )
    qos: Any = kombu_redis._QoS.__new__(kombu_redis._QoS)
    qos.channel = SimpleNamespace(connection=SimpleNamespace(client=object()))
    qos._delivered = {"tag": object()}
    qos.restore_unacked()
    assert calls == [1]


def test_install_maps_the_url_schemes() -> None:
    kombu_redis.install()
    aliases = kombu.transport.TRANSPORT_ALIASES
    assert aliases["sentinel"] == "yarrow.tasks.kombu_redis:SentinelTransport"
    assert aliases["redis"] == aliases["rediss"] == "yarrow.tasks.kombu_redis:Transport"
    assert kombu.transport.resolve_transport("sentinel") is kombu_redis.SentinelTransport
