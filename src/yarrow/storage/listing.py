"""Listing with flat memory: one thread owns OpenDAL's (thread-bound) blocking lister.

The thread filters entries by prefix and hands keys over in bounded batches through a bounded
queue, so a listing of millions of keys never holds more than a few batches. Closing the
listing stops the thread at its next entry.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

from yarrow.storage.opendal_errors import translated

BATCH_SIZE = 256
QUEUE_DEPTH = 4
_DONE = object()


class ListingThread:
    """Lists ``folder`` recursively on its own thread; yields keys starting with ``prefix``."""

    def __init__(self, operator: Any, folder: str, prefix: str) -> None:
        self._op = operator
        self._folder = folder
        self._prefix = prefix
        self._queue: queue.Queue[object] = queue.Queue(maxsize=QUEUE_DEPTH)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="yarrow-storage-list", daemon=True)
        self._thread.start()

    def next_batch(self) -> list[str] | None:
        """The next keys (blocking), ``None`` at the end; raises translated storage errors."""
        item = self._queue.get()
        if item is _DONE:
            return None
        if isinstance(item, BaseException):
            with translated(self._folder):
                raise item
        assert isinstance(item, list)
        return item

    def close(self) -> None:
        """Stop the listing thread (it exits at its next entry or queue hand-over)."""
        self._stop.set()

    def _run(self) -> None:
        batch: list[str] = []
        try:
            for entry in self._op.list(self._folder, recursive=True):
                if self._stop.is_set():
                    return
                path = entry.path.lstrip("/")
                if path and not path.endswith("/") and path.startswith(self._prefix):
                    batch.append(path)
                if len(batch) >= BATCH_SIZE:
                    if not self._put(batch):
                        return
                    batch = []
            if batch and not self._put(batch):
                return
            self._put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - thread top level: hand every error over
            self._put(exc)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False
