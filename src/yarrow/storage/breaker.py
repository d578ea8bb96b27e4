"""A consecutive-failure circuit breaker for storage calls.

After ``failure_threshold`` calls in a row fail with ``StorageUnavailable`` the breaker opens:
calls fail at once (no network, no retries) for ``reset_timeout`` seconds; then one trial call
goes through (half-open) and its outcome closes or re-opens the breaker. Answers such as "not
found" count as success: they prove the backend is up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from yarrow.storage.errors import StorageUnavailable


class StorageCircuitOpen(StorageUnavailable):
    """The storage failed repeatedly; calls are refused until the breaker's reset timeout."""

    default_message = "Object storage is unavailable (circuit open)."


class StorageBreaker:
    """Thread-safe; one per configured storage."""

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half_open``."""
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.reset_timeout:
            return "half_open"
        return "open"

    def admit(self) -> None:
        """Return if a call may go out now; raise :class:`StorageCircuitOpen` otherwise."""
        with self._lock:
            state = self._state()
            if state == "closed" or (state == "half_open" and not self._trial):
                self._trial = state == "half_open"
                return
            assert self._opened_at is not None
            wait = max(0.0, self.reset_timeout - (self._clock() - self._opened_at))
        raise StorageCircuitOpen(
            f"Object storage failed {self.failure_threshold} times in a row; calls resume in "
            f"{wait:.0f} s."
        )

    def succeeded(self) -> None:
        """The call got an answer from the backend."""
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial = False

    def failed(self) -> None:
        """The call failed with ``StorageUnavailable``."""
        with self._lock:
            self._failures += 1
            self._trial = False
            if self._opened_at is not None or self._failures >= self.failure_threshold:
                self._opened_at = self._clock()

    def abandoned(self) -> None:
        """The call ended without an answer (cancelled); free the half-open trial."""
        with self._lock:
            self._trial = False
