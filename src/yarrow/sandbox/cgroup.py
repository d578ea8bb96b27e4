"""Per-slot cgroup v1 memory and pids controllers (used when the host lets us create them).

Each worker slot owns one memory cgroup and one pids cgroup under the service's own cgroup. A run's
jail is moved into its slot's cgroups before its interpreter starts, so everything it allocates is
charged there; exceeding the memory limit gets the run OOM-killed without touching the service.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass
class SlotCgroup:
    """The memory (and, when present, pids and cpuacct) cgroups of one worker slot."""

    memory: Path
    pids: Path | None = None
    cpuacct: Path | None = None

    def configure(self, *, memory_bytes: int, max_processes: int) -> None:
        """Set the limits (swap included, when the kernel accounts it)."""
        _write(self.memory / "memory.limit_in_bytes", memory_bytes)
        memsw = self.memory / "memory.memsw.limit_in_bytes"
        if memsw.exists():
            _write(memsw, memory_bytes)
        if self.pids is not None:
            _write(self.pids / "pids.max", max_processes)

    def reset_counters(self) -> None:
        """Start a new run's peak-memory and CPU-time measurement."""
        with contextlib.suppress(OSError):
            _write(self.memory / "memory.max_usage_in_bytes", 0)
            if self.cpuacct is not None:
                _write(self.cpuacct / "cpuacct.usage", 0)

    def attach(self, pid: int) -> None:
        """Move ``pid`` (the jail's first process) into the slot's cgroups."""
        for directory in self._directories():
            _write(directory / "cgroup.procs", pid)

    def cpu_seconds(self) -> float | None:
        """CPU time used since :meth:`reset_counters` (None without a cpuacct cgroup)."""
        if self.cpuacct is None:
            return None
        return _read_int(self.cpuacct / "cpuacct.usage") / 1e9

    def peak_memory(self) -> int:
        """Highest memory use since :meth:`reset_peak`, in bytes."""
        return _read_int(self.memory / "memory.max_usage_in_bytes")

    def oom_kills(self) -> int:
        """How many processes the kernel OOM-killed in this cgroup so far."""
        try:
            text = (self.memory / "memory.oom_control").read_text()
        except OSError:
            return 0
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def kill_all(self) -> int:
        """SIGKILL every process still in the slot; returns how many were signalled."""
        killed = 0
        try:
            pids = (self.memory / "cgroup.procs").read_text().split()
        except OSError:
            return 0
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGKILL)
                killed += 1
        return killed

    def remove(self) -> None:
        """Delete the cgroups, waiting up to a second for killed processes to be released."""
        for path in self._directories():
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)

    def _directories(self) -> list[Path]:
        return [p for p in (self.memory, self.pids, self.cpuacct) if p is not None]


def _write(path: Path, value: int) -> None:
    with open(path, "w", encoding="ascii") as handle:
        handle.write(str(value))


def _read_int(path: Path) -> int:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return 0


def _own_cgroup(controller: str) -> Path | None:
    """This process's cgroup directory for a v1 ``controller``."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return CGROUP_ROOT / controller / path.lstrip("/")
    return None


def create_slot_cgroups(name: str, count: int) -> list[SlotCgroup] | None:
    """One :class:`SlotCgroup` per slot under ``<own cgroup>/<name>``, or None when not possible.

    None means the host gives us no writable cgroup v1 memory controller (no root, cgroup v2
    only, ...); runs are then bounded by ``RLIMIT_AS`` alone, which the caller logs.
    """
    memory_parent = _own_cgroup("memory")
    if memory_parent is None or not memory_parent.is_dir():
        return None
    bases: dict[str, Path] = {}
    slots: list[SlotCgroup] = []
    try:
        for controller in ("memory", "pids", "cpuacct"):
            parent = _own_cgroup(controller)
            if parent is not None and parent.is_dir():
                bases[controller] = parent / name
                bases[controller].mkdir(exist_ok=True)
        for index in range(count):
            dirs: dict[str, Path] = {}
            for controller, base in bases.items():
                dirs[controller] = base / f"slot-{index}"
                dirs[controller].mkdir(exist_ok=True)
            slots.append(SlotCgroup(**dirs))
    except OSError as exc:
        logger.warning("cannot create sandbox cgroups under %s: %s", memory_parent, exc)
        remove_slot_cgroups(slots)
        for base in bases.values():
            with contextlib.suppress(OSError):
                base.rmdir()
        return None
    return slots


def remove_stale(prefix: str) -> list[Path]:
    """Remove the empty cgroups ``<own cgroup>/<prefix><pid>`` of services that no longer run.

    A service killed with SIGKILL cannot remove its slot cgroups; the next one does. A live pid
    (even a recycled one) is left alone, and so is a cgroup that still holds processes.
    """
    removed: list[Path] = []
    for controller in ("memory", "pids", "cpuacct"):
        parent = _own_cgroup(controller)
        if parent is None or not parent.is_dir():
            continue
        for stale in parent.glob(f"{prefix}*"):
            suffix = stale.name[len(prefix) :]
            if not suffix.isdigit() or _alive(int(suffix)):
                continue
            with contextlib.suppress(OSError):
                for slot in stale.glob("slot-*"):
                    slot.rmdir()
                stale.rmdir()
                removed.append(stale)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_slot_cgroups(slots: list[SlotCgroup]) -> None:
    """Kill leftovers and remove every slot cgroup and their parents."""
    parents: set[Path] = set()
    for slot in slots:
        slot.kill_all()
        slot.remove()
        parents.update(d.parent for d in slot._directories())
    for parent in parents:
        with contextlib.suppress(OSError):
            parent.rmdir()
