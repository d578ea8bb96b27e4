"""One sandboxed run: a fresh bubblewrap jail around one interpreter process.

Every run gets new user, pid, mount, network, ipc, uts and cgroup namespaces; runs as the slot's
unprivileged uid (never root, inside or outside); sees only the read-only binds of its runtime, a
size-capped private ``/tmp`` (gone when the run ends) and its program files; has an empty
environment; is bounded by ``setrlimit`` (CPU, address space, processes, file size, open files),
the slot's memory and pids cgroups when available, a wall-clock deadline and output caps; and runs
under the seccomp allow-list of :mod:`yarrow.sandbox.seccomp`, installed before the interpreter
starts. The jail itself is set up by ``prlimit`` and ``bwrap`` running as the slot's uid.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import selectors
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from yarrow.errors import ConfigurationError
from yarrow.sandbox.cgroup import SlotCgroup
from yarrow.sandbox.languages import Runtime
from yarrow.sandbox.seccomp import compile_filter

#: The run's private, size-capped scratch directory (a tmpfs inside the jail, not the host's).
JAIL_TMP = "/tmp"  # noqa: S108

#: Environment of every run (nothing from the host).
BASE_ENVIRONMENT: dict[str, str] = {
    "LANG": "C.UTF-8",
    "HOME": JAIL_TMP,
    "TMPDIR": JAIL_TMP,
    "PATH": "/usr/bin",
}


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
class Slot:
    """A worker slot: the uid its runs use and its cgroups (None when unavailable)."""

    index: int
    uid: int
    cgroup: SlotCgroup | None = None


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


class NetworkGate(Protocol):
    """Gives a jail its only way out: a proxy reachable inside the jail's network namespace."""

    def environment(self) -> dict[str, str]:
        """Variables (``HTTP_PROXY``, ...) that point the run's clients at the gate."""
        ...

    def attach(self, netns_path: str) -> contextlib.AbstractContextManager[None]:
        """Serve the gate inside the network namespace at ``netns_path`` for one run."""
        ...


class BubblewrapJail:
    """Runs programs in bubblewrap jails. Thread-safe: every call is independent.

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
        """SIGKILL every jail still running (service shutdown)."""
        with self._lock:
            for proc in list(self._active):
                _kill(proc)

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
        with contextlib.ExitStack() as stack:
            fds: list[int] = []
            stack.callback(_close_all, fds)
            seccomp_fd = _memfd("seccomp", compile_filter(network=network is not None))
            fds.append(seccomp_fd)
            args = self._bwrap_args(runtime, limits, slot, seccomp_fd)
            for path, content in runtime.program_files(code, preload).items():
                fd = _memfd("program", content)
                fds.append(fd)
                args += ["--perms", "0444", "--ro-bind-data", str(fd), path]
            # bwrap's root is a tmpfs owned by the run's uid: make it (and every directory bwrap
            # created on it) read-only, and /dev too, leaving /tmp the only writable place.
            args += ["--remount-ro", "/", "--remount-ro", "/dev"]
            info_r, info_w = os.pipe()
            block_r, block_w = os.pipe()
            fds += [info_r, info_w, block_r, block_w]
            args += ["--info-fd", str(info_w), "--block-fd", str(block_r)]
            argv = [*self._rlimit_prefix(runtime, limits), self._bwrap, *args]
            env_index = len(argv)
            command = runtime.command(memory_bytes=limits.memory_bytes, has_preload=bool(preload))
            started = time.monotonic()
            if slot.cgroup is not None:
                slot.cgroup.reset_counters()
            oom_before = slot.cgroup.oom_kills() if slot.cgroup is not None else 0
            environment = {**BASE_ENVIRONMENT, **(network.environment() if network else {})}
            env_args = [a for k, v in environment.items() for a in ("--setenv", k, v)]
            proc = subprocess.Popen(
                [*argv[:env_index], *env_args, "--", *command],
                user=slot.uid,
                group=slot.uid,
                extra_groups=[],
                env={},
                pass_fds=tuple(fd for fd in fds if fd not in (info_r, block_w)),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                close_fds=True,
            )
            stack.callback(_reap, proc)
            with self._lock:
                self._active.add(proc)
            stack.callback(self._forget, proc)
            for fd in (info_w, block_r):
                os.close(fd)
                fds.remove(fd)
            child_pid = _read_child_pid(info_r, deadline=started + limits.wall_seconds)
            if child_pid is not None:
                if slot.cgroup is not None:
                    slot.cgroup.attach(child_pid)
                if network is not None:
                    stack.enter_context(network.attach(f"/proc/{child_pid}/ns/net"))
            os.write(block_w, b"1")
            stdout, stderr, cut, timed_out = _collect(proc, limits, started)
            status, usage = _wait(proc)
            if child_pid is not None:
                # Killed with bwrap, the run's process is re-parented to this (sub-reaper)
                # process: reap it so that no zombie outlives the run.
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(child_pid, 0)
            wall = time.monotonic() - started
            if slot.cgroup is not None:
                slot.cgroup.kill_all()
            peak = slot.cgroup.peak_memory() if slot.cgroup is not None else usage.ru_maxrss * 1024
            cpu = usage.ru_utime + usage.ru_stime
            if slot.cgroup is not None:
                cpu = slot.cgroup.cpu_seconds() or cpu
            oom = slot.cgroup is not None and slot.cgroup.oom_kills() > oom_before
            verdict = _verdict(
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
            "--uid", str(slot.uid),
            "--gid", str(slot.uid),
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
            "--seccomp", str(seccomp_fd),
        ]  # fmt: skip
        return args


def _memfd(name: str, content: bytes) -> int:
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _read_child_pid(fd: int, *, deadline: float) -> int | None:
    """The jail's first process id from bwrap's ``--info-fd`` (None if bwrap died first)."""
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                return None
            buffer += chunk
            with contextlib.suppress(ValueError):
                return int(json.loads(buffer)["child-pid"])
    return None


def _collect(
    proc: subprocess.Popen[bytes], limits: RunLimits, started: float
) -> tuple[bytes, bytes, bool, bool]:
    """Read stdout and stderr until both close, the deadline passes or the output cap is hit."""
    assert proc.stdout is not None and proc.stderr is not None
    chunks: dict[int, list[bytes]] = {proc.stdout.fileno(): [], proc.stderr.fileno(): []}
    total = 0
    cut = timed_out = False
    deadline = started + limits.wall_seconds
    with selectors.DefaultSelector() as selector:
        for fd in chunks:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            for key, _ in selector.select(timeout=remaining):
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fd)
                    continue
                room = limits.max_output_bytes - total
                chunks[key.fd].append(data[:room])
                total += min(len(data), room)
                if len(data) > room:
                    cut = True
            if cut:
                break
    if cut or timed_out:
        _kill(proc)
    return (
        b"".join(chunks[proc.stdout.fileno()]),
        b"".join(chunks[proc.stderr.fileno()]),
        cut,
        timed_out,
    )


def _kill(proc: subprocess.Popen[bytes]) -> None:
    # bwrap runs with --die-with-parent inside: killing it takes the whole pid namespace down.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _wait(proc: subprocess.Popen[bytes]) -> tuple[int, os.struct_rusage]:  # type: ignore[name-defined]
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    return (code if code >= 0 else 128 - code), usage


def _reap(proc: subprocess.Popen[bytes]) -> None:
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    if proc.returncode is None:
        _kill(proc)
        with contextlib.suppress(ChildProcessError):
            _wait(proc)


def _verdict(
    status: int, *, cut: bool, timed_out: bool, oom: bool, cpu: float, limits: RunLimits
) -> Verdict:
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
