"""A consecutive-failure circuit breaker for storage calls.

After ``failure_threshold`` calls in a row fail with ``StorageUnavailable`` the breaker opens:
calls fail at once (no network, no retries) for ``reset_timeout`` seconds; then one trial call
goes through (half-open) and its outcome closes or re-opens the breaker. Answers such as "not
found" count as success: they prove the backend is up.
"""

from __future__ import annotations

from yarrow.circuit import ConsecutiveFailureBreaker
from yarrow.storage.errors import StorageUnavailable


class StorageCircuitOpen(StorageUnavailable):
    """The storage failed repeatedly; calls are refused until the breaker's reset timeout."""

    default_message = "Object storage is unavailable (circuit open)."


class StorageBreaker(ConsecutiveFailureBreaker):
    """The shared breaker, raising :class:`StorageCircuitOpen`; one per configured storage."""

    def admit(self) -> float | None:
        """Return if a call may go out now; raise :class:`StorageCircuitOpen` otherwise."""
        wait = super().admit()
        if wait is None:
            return None
        raise StorageCircuitOpen(
            f"Object storage failed {self.failure_threshold} times in a row; calls resume in "
            f"{wait:.0f} s."
        )
