"""A bounded pool of worker slots that runs jails, with per-run accounting.

At most ``len(slots)`` runs execute at once (one per slot, each slot with its own uid and cgroups);
at most ``max_requests`` are admitted (running plus waiting). A request beyond that is refused at
once with :class:`~yarrow.sandbox.errors.SandboxBusy` (HTTP 503), never queued without bound. Every
run is a fresh process, so the pool itself keeps nothing per run except counters.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from yarrow.sandbox.errors import SandboxBusy, UnsupportedLanguage
from yarrow.sandbox.jail import (
    BubblewrapJail,
    NetworkGate,
    PreparedJail,
    RunLimits,
    RunOutcome,
    Slot,
)
from yarrow.sandbox.languages import Runtime

logger = logging.getLogger(__name__)


@dataclass
class PoolStats:
    """Counters since the pool started."""

    runs: int = 0
    rejected: int = 0
    running: int = 0
    waiting: int = 0
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    max_peak_memory_bytes: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        """Plain data for the stats endpoint."""
        return {
            "runs": self.runs,
            "rejected": self.rejected,
            "running": self.running,
            "waiting": self.waiting,
            "cpu_seconds": round(self.cpu_seconds, 3),
            "wall_seconds": round(self.wall_seconds, 3),
            "max_peak_memory_bytes": self.max_peak_memory_bytes,
            "verdicts": dict(self.verdicts),
        }


class RunPool:
    """Admits, queues and runs code in jails.

    Args:
        jail: the jail runner.
        runtimes: runtime per language name (``python3``, ``nodejs``).
        limits: limits applied to every run.
        slots: the worker slots; their number is the concurrency.
        max_requests: runs admitted at once, running plus waiting (>= ``len(slots)``).
        network: the gate a run with network gets; None means runs never get network.
        prewarm: language whose jail each idle slot keeps started and waiting for its code
            (with network when there is a gate, as Dify always asks for it); None for none.
    """

    def __init__(
        self,
        jail: BubblewrapJail,
        runtimes: Mapping[str, Runtime],
        limits: RunLimits,
        slots: Sequence[Slot],
        *,
        max_requests: int,
        network: NetworkGate | None = None,
        prewarm: str | None = None,
    ) -> None:
        if not slots:
            raise ValueError("a run pool needs at least one slot")
        self._jail = jail
        self._runtimes = dict(runtimes)
        self.limits = limits
        self._slots = list(slots)
        self._max_requests = max(max_requests, len(slots))
        self._network = network
        self._free: asyncio.Queue[Slot] = asyncio.Queue()
        for slot in self._slots:
            self._free.put_nowait(slot)
        self._admitted = 0
        self._executor = ThreadPoolExecutor(len(slots), thread_name_prefix="sandbox-run")
        self.stats = PoolStats()
        self._prewarm = self._runtimes.get(prewarm) if prewarm else None
        self._warm: dict[int, PreparedJail] = {}  # slot index -> jail; touched by its holder only
        self._closing = False

    def warm_up(self) -> None:
        """Start the pre-warmed jail of every slot (blocking; call once before serving)."""
        for slot in self._slots:
            self._prepare_warm(slot)

    @property
    def runtimes(self) -> Mapping[str, Runtime]:
        """Runtime per language name."""
        return self._runtimes

    async def run(
        self, language: str, code: str, *, preload: str = "", enable_network: bool = False
    ) -> RunOutcome:
        """Run one program; waits for a free slot.

        Raises:
            UnsupportedLanguage: ``language`` is not one of :attr:`runtimes`.
            SandboxBusy: ``max_requests`` runs are already admitted.
        """
        runtime = self._runtimes.get(language)
        if runtime is None:
            raise UnsupportedLanguage()
        if self._admitted >= self._max_requests:
            self.stats.rejected += 1
            raise SandboxBusy()
        self._admitted += 1
        self.stats.waiting += 1
        got_slot = False
        try:
            slot = await self._free.get()
            got_slot = True
            self.stats.waiting -= 1
            self.stats.running += 1
            loop = asyncio.get_running_loop()
            network = self._network if enable_network else None
            done: asyncio.Future[RunOutcome] = loop.create_future()
            work = functools.partial(self._work, loop, done, slot, runtime, code, preload, network)
            # The worker thread answers ``done`` as soon as the run ends, then pre-warms the slot's
            # next jail and only then gives the slot back; a cancelled request can therefore never
            # hand a busy slot to the next run.
            self._executor.submit(work)
            outcome = await asyncio.shield(done)
        finally:
            if not got_slot:
                self.stats.waiting -= 1
            self._admitted -= 1
        self._account(language, outcome)
        return outcome

    def _work(
        self,
        loop: asyncio.AbstractEventLoop,
        done: asyncio.Future[RunOutcome],
        slot: Slot,
        runtime: Runtime,
        code: str,
        preload: str,
        network: NetworkGate | None,
    ) -> None:
        try:
            try:
                jail = self._take_warm(slot, runtime, network)
                if jail is None:
                    jail = self._jail.prepare(
                        runtime, limits=self.limits, slot=slot, network=network
                    )
                outcome = jail.run(code, preload)
            except Exception as exc:  # noqa: BLE001 - relayed to the request awaiting ``done``
                loop.call_soon_threadsafe(_settle, done, None, exc)
            else:
                loop.call_soon_threadsafe(_settle, done, outcome, None)
            self._prepare_warm(slot)
        finally:
            loop.call_soon_threadsafe(self._release, slot)

    def _take_warm(
        self, slot: Slot, runtime: Runtime, network: NetworkGate | None
    ) -> PreparedJail | None:
        jail = self._warm.pop(slot.index, None)
        if jail is None:
            return None
        if jail.runtime is runtime and jail.network is network and jail.alive():
            return jail
        jail.discard()
        return None

    def _prepare_warm(self, slot: Slot) -> None:
        if self._prewarm is None or self._closing:
            return
        try:
            self._warm[slot.index] = self._jail.prepare(
                self._prewarm, limits=self.limits, slot=slot, network=self._network
            )
        except OSError as exc:
            logger.warning("could not pre-warm a jail in slot %d: %s", slot.index, exc)

    def _release(self, slot: Slot) -> None:
        self.stats.running -= 1
        self._free.put_nowait(slot)

    def _account(self, language: str, outcome: RunOutcome) -> None:
        stats = self.stats
        stats.runs += 1
        stats.cpu_seconds += outcome.cpu_seconds
        stats.wall_seconds += outcome.wall_seconds
        stats.max_peak_memory_bytes = max(stats.max_peak_memory_bytes, outcome.peak_memory_bytes)
        stats.verdicts[outcome.verdict.value] += 1
        logger.info(
            "sandbox run language=%s verdict=%s exit=%d wall=%.3fs cpu=%.3fs peak=%dKiB out=%dB",
            language,
            outcome.verdict.value,
            outcome.exit_code,
            outcome.wall_seconds,
            outcome.cpu_seconds,
            outcome.peak_memory_bytes >> 10,
            outcome.output_bytes,
        )

    def close(self) -> None:
        """Kill running and pre-warmed jails, then stop the worker threads."""
        self._closing = True
        self._jail.kill_all()
        self._executor.shutdown(wait=True, cancel_futures=True)
        for index in list(self._warm):
            self._warm.pop(index).discard()


def _settle(
    done: asyncio.Future[RunOutcome], outcome: RunOutcome | None, error: Exception | None
) -> None:
    if done.done():  # the request was cancelled
        return
    if error is not None:
        done.set_exception(error)
    else:
        assert outcome is not None
        done.set_result(outcome)
