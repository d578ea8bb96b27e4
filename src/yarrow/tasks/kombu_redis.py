"""Kombu's Redis and Sentinel transports with one fix for failovers.

When the broker connection drops (a Sentinel failover), kombu closes the channel and tries to put
the worker's unacknowledged messages back on their queue through a transport whose connection is
already gone; the resulting ``AttributeError`` stops the worker ("Unrecoverable error"). Here that
restore is skipped when there is no connection: the messages stay in Redis's unacked set and are
delivered again after the visibility timeout, which is what happens for a killed worker anyway.
"""

from __future__ import annotations

import logging
from typing import Any

import kombu.transport
from kombu.transport import redis as kombu_redis

logger = logging.getLogger(__name__)


class _QoS(kombu_redis.QoS):
    def restore_unacked(self, client: Any = None) -> Any:
        if client is None and self.channel.connection.client is None:
            logger.warning(
                "broker connection lost; %d unacknowledged messages return after the "
                "visibility timeout",
                len(self._delivered),
            )
            self._delivered.clear()
            return None
        return super().restore_unacked(client)  # type: ignore[no-untyped-call]


class _Channel(kombu_redis.Channel):
    QoS = _QoS


class _SentinelChannel(kombu_redis.SentinelChannel):
    QoS = _QoS


class Transport(kombu_redis.Transport):
    """``redis://`` and ``rediss://``."""

    Channel = _Channel


class SentinelTransport(kombu_redis.SentinelTransport):
    """``sentinel://``."""

    Channel = _SentinelChannel


def install() -> None:
    """Make the ``redis``, ``rediss`` and ``sentinel`` URL schemes use these transports."""
    kombu.transport.TRANSPORT_ALIASES.update(
        redis=f"{__name__}:Transport",
        rediss=f"{__name__}:Transport",
        sentinel=f"{__name__}:SentinelTransport",
    )
