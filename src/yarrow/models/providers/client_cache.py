"""Per-credential, per-event-loop cache of async SDK clients.

Async HTTP clients pool connections bound to the event loop that opened them, so a client is
reused only within the loop that created it (the API server has one loop; a task runner that calls
``asyncio.run`` per task gets a fresh client per loop).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

C = TypeVar("C")


def credential_fingerprint(provider: str, credentials: Mapping[str, Any]) -> str:
    """A stable digest of ``provider`` and ``credentials`` (never logged, never the secret)."""
    raw = json.dumps([provider, dict(credentials)], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class LoopBoundCache(Generic[C]):
    """Builds a client once per (key, running loop)."""

    def __init__(self, factory: Callable[[Mapping[str, Any]], C], *, max_entries: int = 64):
        self._factory = factory
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._items: dict[tuple[str, int], tuple[asyncio.AbstractEventLoop | None, C]] = {}

    def get(self, key: str, credentials: Mapping[str, Any]) -> C:
        """The cached client for ``key`` in the running loop, built with ``credentials``."""
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        slot = (key, id(loop))
        with self._lock:
            found = self._items.get(slot)
            if found is not None and found[0] is loop:
                return found[1]
            client = self._factory(credentials)
            if len(self._items) >= self._max_entries:
                self._items.pop(next(iter(self._items)))
            self._items[slot] = (loop, client)
            return client

    def drain_current_loop(self) -> list[C]:
        """Forget and return the clients opened in the running loop (to close them in it)."""
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        with self._lock:
            mine = [slot for slot, (owner, _) in self._items.items() if owner is loop]
            return [self._items.pop(slot)[1] for slot in mine]

    def drain(self) -> list[C]:
        """Forget every client and return them (for closing)."""
        with self._lock:
            clients = [client for _, client in self._items.values()]
            self._items.clear()
            return clients


__all__ = ["LoopBoundCache", "credential_fingerprint"]
