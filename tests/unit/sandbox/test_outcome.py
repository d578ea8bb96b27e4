"""How a run's end is classified and explained."""

from __future__ import annotations

import signal

import pytest

from yarrow.sandbox.outcome import RunLimits, RunOutcome, Verdict, classify

LIMITS = RunLimits(wall_seconds=5, cpu_seconds=2, memory_bytes=64 << 20, max_output_bytes=1000)


def outcome(verdict: Verdict, exit_code: int = 0) -> RunOutcome:
    return RunOutcome("", "", exit_code, verdict, 0.1, 0.1, 0, 0)


@pytest.mark.parametrize(
    ("verdict", "exit_code", "text"),
    [
        (Verdict.EXITED, 0, ""),
        (Verdict.EXITED, 3, "error: exit status 3"),
        (Verdict.TIMEOUT, 137, "error: timeout (wall time limit 5s)"),
        (Verdict.CPU_LIMIT, 137, "error: CPU time limit exceeded (2s)"),
        (Verdict.MEMORY_LIMIT, 137, "error: memory limit exceeded (64 MiB)"),
        (Verdict.OUTPUT_LIMIT, 137, "error: output limit exceeded (1000 bytes)"),
        (Verdict.SIGNALLED, 128 + 11, "error: killed by signal 11"),
    ],
)
def test_describe(verdict: Verdict, exit_code: int, text: str) -> None:
    result = outcome(verdict, exit_code)
    assert result.describe(LIMITS) == text
    assert result.ok is (verdict is Verdict.EXITED and exit_code == 0)


KILL = 128 + signal.SIGKILL


@pytest.mark.parametrize(
    ("status", "flags", "cpu", "expected"),
    [
        (0, {}, 0.1, Verdict.EXITED),
        (1, {}, 0.1, Verdict.EXITED),
        (KILL, {"cut": True}, 0.1, Verdict.OUTPUT_LIMIT),
        (KILL, {"timed_out": True}, 0.1, Verdict.TIMEOUT),
        (KILL, {"oom": True}, 0.1, Verdict.MEMORY_LIMIT),
        (KILL, {}, 2.0, Verdict.CPU_LIMIT),
        (KILL, {}, 1.2, Verdict.CPU_LIMIT),  # cgroup accounting lags the task's clock
        (128 + signal.SIGXCPU, {}, 1.0, Verdict.CPU_LIMIT),
        (KILL, {}, 0.5, Verdict.SIGNALLED),
        (128 + signal.SIGSEGV, {}, 0.5, Verdict.SIGNALLED),
        (128 + signal.SIGSYS, {}, 0.5, Verdict.SIGNALLED),
    ],
)
def test_verdict(status: int, flags: dict[str, bool], cpu: float, expected: Verdict) -> None:
    kwargs = {"cut": False, "timed_out": False, "oom": False, **flags}
    assert classify(status, cpu=cpu, limits=LIMITS, **kwargs) is expected
