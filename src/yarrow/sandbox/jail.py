"""One sandboxed run: a fresh bubblewrap jail around one interpreter process.

Every run gets new user, pid, mount, network, ipc, uts and cgroup namespaces; runs as the slot's
unprivileged uid (never root, inside or outside) and as pid 1 of its namespace; sees only the
read-only binds of its runtime and a size-capped private ``/tmp`` (gone when the run ends); has an
empty environment; is bounded by ``setrlimit`` (CPU, address space, processes, file size, open
files), the slot's memory and pids cgroups when available, a wall-clock deadline and output caps;
and runs under the seccomp allow-list of :mod:`yarrow.sandbox.seccomp`, installed before the
interpreter starts. The jail is set up by ``prlimit`` and ``bwrap`` running as the slot's uid.

A jail is started (:meth:`BubblewrapJail.prepare`) before its code is known: the interpreter then
waits for its job on stdin, so a pool can keep one ready per idle slot and take the jail's and the
interpreter's start-up off a request's latency.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from yarrow.errors import ConfigurationError
from yarrow.sandbox import procio
from yarrow.sandbox.cgroup import SlotCgroup
from yarrow.sandbox.languages import Runtime
from yarrow.sandbox.outcome import RunLimits, RunOutcome, Verdict, classify
from yarrow.sandbox.seccomp import compile_filter

logger = logging.getLogger(__name__)

__all__ = ["BubblewrapJail", "NetworkGate", "PreparedJail", "RunLimits", "RunOutcome", "Slot",
           "Verdict"]  # fmt: skip

#: The run's private, size-capped scratch directory (a tmpfs inside the jail, not the host's).
JAIL_TMP = "/tmp"  # noqa: S108

#: Environment of every run (nothing from the host).
BASE_ENVIRONMENT: dict[str, str] = {
    "LANG": "C.UTF-8",
    "HOME": JAIL_TMP,
    "TMPDIR": JAIL_TMP,
    "PATH": "/usr/bin",
}


#: The uid (and gid) a run has inside its jail when the service cannot give it one of its own.
NOBODY = 65534


@dataclass(frozen=True)
class Slot:
    """A worker slot: the uid its runs use and its cgroups (None when unavailable).

    ``uid`` None means the service is not root: runs keep the service's uid outside the jail
    (``nobody`` inside).
    """

    index: int
    uid: int | None
    cgroup: SlotCgroup | None = None


class NetworkGate(Protocol):
    """Gives a jail its only way out: a proxy reachable inside the jail's network namespace."""

    def environment(self) -> dict[str, str]:
        """Variables (``HTTP_PROXY``, ...) that point the run's clients at the gate."""
        ...

    def attach(self, netns_path: str) -> contextlib.AbstractContextManager[None]:
        """Serve the gate inside the network namespace at ``netns_path`` for one run."""
        ...


class PreparedJail:
    """A started jail whose interpreter waits for its job; use it once (:meth:`run`) or
    :meth:`discard` it. Owns the process, its pipes and the network relay."""

    def __init__(
        self,
        runtime: Runtime,
        slot: Slot,
        limits: RunLimits,
        network: NetworkGate | None,
        proc: subprocess.Popen[bytes],
        child_pid: int | None,
        stack: contextlib.ExitStack,
    ) -> None:
        self.runtime = runtime
        self.slot = slot
        self.limits = limits
        self.network = network
        self._proc = proc
        self._child_pid = child_pid
        self._stack = stack
        self._oom_before = slot.cgroup.oom_kills() if slot.cgroup is not None else 0

    def alive(self) -> bool:
        """Whether the interpreter is still waiting (it may have died, e.g. killed at shutdown)."""
        return self._proc.poll() is None

    def run(self, code: str, preload: str) -> RunOutcome:
        """Hand the job to the interpreter and wait for the run (at most the wall limit)."""
        limits, cgroup = self.limits, self.slot.cgroup
        with self._stack:
            started = time.monotonic()
            deadline = started + limits.wall_seconds
            assert self._proc.stdin is not None
            job = self.runtime.job(code, preload)
            procio.feed(os.dup(self._proc.stdin.fileno()), job, deadline=deadline)
            self._proc.stdin.close()
            stdout, stderr, cut, timed_out = procio.collect(
                self._proc, deadline=deadline, max_output_bytes=limits.max_output_bytes
            )
            status, usage = procio.wait(self._proc)
            self._reap_child()
            wall = time.monotonic() - started
            if cgroup is not None:
                cgroup.kill_all()
            cpu = usage.ru_utime + usage.ru_stime
            peak = usage.ru_maxrss * 1024
            if cgroup is not None:
                cpu = cgroup.cpu_seconds() or cpu
                peak = cgroup.peak_memory()
            oom = cgroup is not None and cgroup.oom_kills() > self._oom_before
            verdict = classify(
                status, cut=cut, timed_out=timed_out, oom=oom, cpu=cpu, limits=limits
            )
            return RunOutcome(
                stdout=stdout.decode("utf-8", "replace"),
                stderr=stderr.decode("utf-8", "replace"),
                exit_code=status,
                verdict=verdict,
                wall_seconds=wall,
                cpu_seconds=cpu,
                peak_memory_bytes=peak,
                output_bytes=len(stdout) + len(stderr),
            )
        raise AssertionError("unreachable")  # pragma: no cover

    def discard(self) -> None:
        """Kill the jail unused and release everything it holds."""
        with self._stack:
            procio.kill(self._proc)
            with contextlib.suppress(ChildProcessError):
                procio.wait(self._proc)
            self._reap_child()
            if self.slot.cgroup is not None:
                self.slot.cgroup.kill_all()

    def _reap_child(self) -> None:
        # When bwrap dies first, the run's process is re-parented to this (sub-reaper) process.
        # bwrap's die-with-parent may not be armed yet in a freshly started jail, so kill it here
        # (only once waitpid proves it is our child, so never a recycled pid) and reap it.
        if self._child_pid is None:
            return
        for _ in range(500):
            try:
                pid, _ = os.waitpid(self._child_pid, os.WNOHANG)
            except ChildProcessError:
                return  # bwrap reaped it
            if pid:
                return
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._child_pid, signal.SIGKILL)
            time.sleep(0.01)
        logger.error("jail process %d did not die", self._child_pid)


class BubblewrapJail:
    """Starts bubblewrap jails. Thread-safe: every call is independent.

    Args:
        bwrap: path of the ``bwrap`` executable.
        prlimit: path of util-linux ``prlimit`` (applies the rlimits before ``bwrap`` starts).
    """

    def __init__(self, *, bwrap: str = "/usr/bin/bwrap", prlimit: str = "/usr/bin/prlimit") -> None:
        for tool in (bwrap, prlimit):
            if not os.access(tool, os.X_OK):
                raise ConfigurationError(
                    f"{tool} is missing; install the Debian packages bubblewrap and util-linux."
                )
        self._bwrap = bwrap
        self._prlimit = prlimit
        self._active: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    def kill_all(self) -> None:
        """SIGKILL every jail still alive (service shutdown)."""
        with self._lock:
            for proc in list(self._active):
                procio.kill(proc)

    def run(
        self,
        runtime: Runtime,
        *,
        code: str,
        preload: str,
        limits: RunLimits,
        slot: Slot,
        network: NetworkGate | None = None,
    ) -> RunOutcome:
        """Run ``preload`` then ``code`` in a fresh jail; waits at most the wall limit."""
        return self.prepare(runtime, limits=limits, slot=slot, network=network).run(code, preload)

    def prepare(
        self,
        runtime: Runtime,
        *,
        limits: RunLimits,
        slot: Slot,
        network: NetworkGate | None = None,
    ) -> PreparedJail:
        """Start a jail in ``slot`` whose interpreter waits for its job on stdin.

        The slot must hold no other jail: its cgroup counters are reset here.
        """
        stack = contextlib.ExitStack()
        with contextlib.ExitStack() as on_error:
            on_error.push(stack)
            fds: list[int] = []
            stack.callback(procio.close_all, fds)
            seccomp_fd = procio.memfd("seccomp", compile_filter(network=network is not None))
            info_r, info_w = os.pipe()
            block_r, block_w = os.pipe()
            fds += [seccomp_fd, info_r, info_w, block_r, block_w]
            environment = {**BASE_ENVIRONMENT, **(network.environment() if network else {})}
            argv = [
                *self._rlimit_prefix(runtime, limits),
                self._bwrap,
                *self._bwrap_args(runtime, limits, slot, seccomp_fd),
                *[a for k, v in environment.items() for a in ("--setenv", k, v)],
                "--info-fd", str(info_w),
                "--block-fd", str(block_r),
                "--",
                *runtime.command(memory_bytes=limits.memory_bytes),
            ]  # fmt: skip
            if slot.cgroup is not None:
                slot.cgroup.reset_counters()
            identity: dict[str, Any] = {}
            if slot.uid is not None:
                identity = {"user": slot.uid, "group": slot.uid, "extra_groups": []}
            proc = subprocess.Popen(
                argv,
                **identity,
                env={},
                pass_fds=(seccomp_fd, info_w, block_r),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                close_fds=True,
            )
            stack.callback(procio.reap, proc)
            with self._lock:
                self._active.add(proc)
            stack.callback(self._forget, proc)
            for fd in (info_w, block_r):
                os.close(fd)
                fds.remove(fd)
            deadline = time.monotonic() + limits.wall_seconds
            child_pid = procio.read_child_pid(info_r, deadline=deadline)
            if child_pid is not None:
                if slot.cgroup is not None:
                    slot.cgroup.attach(child_pid)
                if network is not None:
                    stack.enter_context(network.attach(f"/proc/{child_pid}/ns/net"))
            with contextlib.suppress(BrokenPipeError):  # bwrap failed: its stderr says why
                os.write(block_w, b"1")
            on_error.pop_all()
        return PreparedJail(runtime, slot, limits, network, proc, child_pid, stack)

    def _forget(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._active.discard(proc)

    def _rlimit_prefix(self, runtime: Runtime, limits: RunLimits) -> list[str]:
        address_space = limits.memory_bytes + runtime.extra_address_space
        return [
            self._prlimit,
            f"--cpu={limits.cpu_seconds}",
            f"--as={address_space}",
            f"--nproc={limits.max_processes}",
            f"--fsize={limits.max_file_bytes}",
            f"--nofile={limits.max_open_files}",
            "--core=0",
            "--memlock=0",
            "--",
        ]

    def _bwrap_args(
        self, runtime: Runtime, limits: RunLimits, slot: Slot, seccomp_fd: int
    ) -> list[str]:
        args = [
            "--unshare-all",
            "--unshare-user",
            "--disable-userns",
            "--die-with-parent",
            "--new-session",
            "--as-pid-1",
            "--uid", str(NOBODY if slot.uid is None else slot.uid),
            "--gid", str(NOBODY if slot.uid is None else slot.uid),
            "--hostname", "sandbox",
            "--clearenv",
        ]  # fmt: skip
        for path in runtime.binds:
            args += ["--ro-bind", path, path]
        for target, link in runtime.symlinks:
            args += ["--symlink", target, link]
        args += [
            "--proc", "/proc",
            "--dev", "/dev",
            "--size", str(limits.scratch_bytes), "--tmpfs", JAIL_TMP,
            "--chdir", JAIL_TMP,
            # bwrap's root is a tmpfs owned by the run's uid: make it (and every directory bwrap
            # created on it) read-only, and /dev too, leaving /tmp the only writable place.
            "--remount-ro", "/",
            "--remount-ro", "/dev",
            "--seccomp", str(seccomp_fd),
        ]  # fmt: skip
        return args
