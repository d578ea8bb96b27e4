"""A run's limits (:class:`RunLimits`), how it ended (:class:`Verdict`) and what it produced and
cost (:class:`RunOutcome`)."""

from __future__ import annotations

import enum
import signal
from dataclasses import dataclass


@dataclass(frozen=True)
class RunLimits:
    """Resource limits of one run (all positive)."""

    wall_seconds: float = 15.0
    cpu_seconds: int = 10
    memory_bytes: int = 256 << 20
    max_processes: int = 64
    max_file_bytes: int = 16 << 20
    max_open_files: int = 256
    scratch_bytes: int = 64 << 20
    max_output_bytes: int = 4 << 20


class Verdict(enum.StrEnum):
    """How a run ended."""

    EXITED = "exited"
    TIMEOUT = "timeout"
    CPU_LIMIT = "cpu_limit"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    SIGNALLED = "signalled"


@dataclass(frozen=True)
class RunOutcome:
    """What one run produced, and what it cost."""

    stdout: str
    stderr: str
    exit_code: int
    verdict: Verdict
    wall_seconds: float
    cpu_seconds: float
    peak_memory_bytes: int
    output_bytes: int

    @property
    def ok(self) -> bool:
        """The interpreter exited with status 0 within every limit."""
        return self.verdict is Verdict.EXITED and self.exit_code == 0

    def describe(self, limits: RunLimits) -> str:
        """Why the run did not finish normally ("" when it did)."""
        return {
            Verdict.EXITED: "" if self.exit_code == 0 else f"error: exit status {self.exit_code}",
            Verdict.TIMEOUT: f"error: timeout (wall time limit {limits.wall_seconds:g}s)",
            Verdict.CPU_LIMIT: f"error: CPU time limit exceeded ({limits.cpu_seconds}s)",
            Verdict.MEMORY_LIMIT: (
                f"error: memory limit exceeded ({limits.memory_bytes >> 20} MiB)"
            ),
            Verdict.OUTPUT_LIMIT: (
                f"error: output limit exceeded ({limits.max_output_bytes} bytes)"
            ),
            Verdict.SIGNALLED: f"error: killed by signal {self.exit_code - 128}",
        }[self.verdict]


def classify(
    status: int, *, cut: bool, timed_out: bool, oom: bool, cpu: float, limits: RunLimits
) -> Verdict:
    """The verdict of a run that exited with ``status`` (128 + N when killed by signal N)."""
    if cut:
        return Verdict.OUTPUT_LIMIT
    if timed_out:
        return Verdict.TIMEOUT
    if oom:
        return Verdict.MEMORY_LIMIT
    # The run is pid 1 of its namespace, so the kernel's SIGXCPU is ignored and RLIMIT_CPU ends it
    # with SIGKILL at the hard limit. Nothing else sends an unexplained SIGKILL (our kills set a
    # flag), but the CPU time we can read (cgroup or rusage) lags the task's own clock on a loaded
    # host, hence the margin.
    if status == 128 + signal.SIGXCPU or (
        status == 128 + signal.SIGKILL and cpu >= limits.cpu_seconds * 0.5
    ):
        return Verdict.CPU_LIMIT
    if status > 128 and status - 128 in (signal.SIGKILL, signal.SIGSEGV, signal.SIGSYS):
        return Verdict.SIGNALLED
    return Verdict.EXITED
