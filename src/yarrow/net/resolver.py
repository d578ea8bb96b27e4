"""Name resolution for the SSRF guard: the system resolver and an in-memory twin for tests."""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping
from typing import Protocol

import anyio

from yarrow.net.addresses import IPAddress, parse_ip_literal
from yarrow.net.errors import InvalidUrl


class Resolver(Protocol):
    """Turns a host name into the addresses a connection may use, in preference order."""

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        """Every address of ``host``; raises ``InvalidUrl`` when the name does not resolve."""
        ...


class BlockingResolver(Protocol):
    """The same, for the blocking client."""

    def resolve_blocking(self, host: str, port: int) -> list[IPAddress]:
        """Every address of ``host``; raises ``InvalidUrl`` when the name does not resolve."""
        ...


class SystemResolver:
    """``getaddrinfo`` (what a plain socket connection would use); async calls use a thread."""

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        try:
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise InvalidUrl(f"Host {host!r} does not resolve.") from exc
        return _addresses(host, [info[4][0] for info in infos])

    def resolve_blocking(self, host: str, port: int) -> list[IPAddress]:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise InvalidUrl(f"Host {host!r} does not resolve.") from exc
        return _addresses(host, [info[4][0] for info in infos])


def _addresses(host: str, texts: Iterable[object]) -> list[IPAddress]:
    addresses: list[IPAddress] = []
    for text in texts:
        address = parse_ip_literal(str(text))
        if address is not None and address not in addresses:
            addresses.append(address)
    if not addresses:
        raise InvalidUrl(f"Host {host!r} does not resolve.")
    return addresses


class StaticResolver:
    """Fixed answers by host name (an in-memory twin of DNS for tests); records every lookup."""

    def __init__(self, answers: Mapping[str, Iterable[str] | str]) -> None:
        self._answers: dict[str, list[IPAddress]] = {}
        for name, values in answers.items():
            items = [values] if isinstance(values, str) else list(values)
            parsed = [parse_ip_literal(v) for v in items]
            self._answers[name.lower().rstrip(".")] = [a for a in parsed if a is not None]
        self.lookups: list[str] = []

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        return self.resolve_blocking(host, port)

    def resolve_blocking(self, host: str, port: int) -> list[IPAddress]:
        key = host.lower().rstrip(".")
        self.lookups.append(key)
        found = self._answers.get(key)
        if not found:
            raise InvalidUrl(f"Host {host!r} does not resolve.")
        return list(found)
