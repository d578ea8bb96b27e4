"""One attempt of a task: run the handler and record the outcome (shared by both runners)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from yarrow.tasks.errors import PermanentTaskError
from yarrow.tasks.registry import TaskSpec
from yarrow.tasks.store import Claim, TaskStore, later

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What became of an attempt. ``retry_in`` is set when another attempt is scheduled."""

    status: str
    retry_in: float | None = None
    error: str | None = None


def run_attempt(spec: TaskSpec, claim: Claim, store: TaskStore) -> Outcome:
    """Run ``claim`` with ``spec.handler`` and write the result for the claim's token.

    Any exception of the handler is caught here (this is the task runner's top-level handler):
    permanent errors fail the task, others schedule a retry while retries remain.
    """
    try:
        spec.handler(**claim.args)
    except Exception as exc:  # noqa: BLE001 - the runner's top-level handler
        return record_failure(spec, claim, store, exc)
    if not store.succeed(claim.id, claim.token):
        logger.warning("task %s attempt %s finished after losing ownership", claim.id, claim.token)
        return Outcome("lost")
    return Outcome("succeeded")


def record_failure(spec: TaskSpec, claim: Claim, store: TaskStore, exc: BaseException) -> Outcome:
    """Record a failed attempt: a retry in ``spec.retry_delay`` or a final failure."""
    error = f"{type(exc).__name__}: {exc}"
    permanent = isinstance(exc, (PermanentTaskError, *spec.permanent))
    retries_used = claim.attempt - 1
    if permanent or retries_used >= spec.max_retries:
        logger.warning("task %s (%s) failed: %s", spec.name, claim.id, error)
        store.fail(claim.id, claim.token, error, retry_at=None)
        return Outcome("failed", error=error)
    delay = spec.retry_delay(retries_used + 1)
    logger.info("task %s (%s) retry in %.1f s: %s", spec.name, claim.id, delay, error)
    if not store.fail(claim.id, claim.token, error, retry_at=later(delay)):
        return Outcome("lost", error=error)
    return Outcome("retrying", retry_in=delay, error=error)
