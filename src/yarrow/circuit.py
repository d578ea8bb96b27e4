"""The consecutive-failure circuit breaker every remote dependency uses.

After ``failure_threshold`` failures in a row the breaker opens: calls are refused at once for
``reset_timeout`` seconds; then one trial call goes through (half-open) and its outcome closes or
re-opens it. What counts as a failure is the caller's decision. Thread-safe. Areas wrap it with
their own error (see ``yarrow.models.resilience`` and ``yarrow.storage.breaker``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class ConsecutiveFailureBreaker:
    """Closed, open or half-open, driven by :meth:`admit` and the three outcome methods."""

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

    def admit(self) -> float | None:
        """``None`` if a call may go out now, else the seconds until the next trial."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return None
            if state == "half_open" and not self._trial:
                self._trial = True
                return None
            assert self._opened_at is not None
            return max(0.0, self.reset_timeout - (self._clock() - self._opened_at))

    def succeeded(self) -> None:
        """A call got an answer that proves the dependency is up."""
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial = False

    def failed(self) -> None:
        """A call failed in a way that counts against the dependency."""
        with self._lock:
            self._failures += 1
            self._trial = False
            if self._opened_at is not None or self._failures >= self.failure_threshold:
                self._opened_at = self._clock()

    def abandoned(self) -> None:
        """A call ended without an answer either way (cancelled); free the half-open trial."""
        with self._lock:
            self._trial = False
