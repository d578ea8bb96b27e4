"""Low-level process plumbing of a jail: memfds, bwrap's info pipe, stdin feeding, output capture
with caps and a deadline, killing and reaping."""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import time


def memfd(name: str, content: bytes) -> int:
    """An anonymous in-memory file holding ``content``, positioned at its start."""
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def close_all(fds: list[int]) -> None:
    """Close every descriptor, ignoring those already closed."""
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def read_child_pid(fd: int, *, deadline: float) -> int | None:
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


def collect(
    proc: subprocess.Popen[bytes], *, deadline: float, max_output_bytes: int
) -> tuple[bytes, bytes, bool, bool]:
    """Read stdout and stderr until both close, the deadline passes or the output cap is hit."""
    assert proc.stdout is not None and proc.stderr is not None
    chunks: dict[int, list[bytes]] = {proc.stdout.fileno(): [], proc.stderr.fileno(): []}
    total = 0
    cut = timed_out = False
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
                room = max_output_bytes - total
                chunks[key.fd].append(data[:room])
                total += min(len(data), room)
                if len(data) > room:
                    cut = True
            if cut:
                break
    if cut or timed_out:
        kill(proc)
    return (
        b"".join(chunks[proc.stdout.fileno()]),
        b"".join(chunks[proc.stderr.fileno()]),
        cut,
        timed_out,
    )


def kill(proc: subprocess.Popen[bytes]) -> None:
    # bwrap runs with --die-with-parent inside: killing it takes the whole pid namespace down.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def wait(proc: subprocess.Popen[bytes]) -> tuple[int, os.struct_rusage]:  # type: ignore[name-defined]
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    return (code if code >= 0 else 128 - code), usage


def reap(proc: subprocess.Popen[bytes]) -> None:
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    if proc.returncode is None:
        kill(proc)
        with contextlib.suppress(ChildProcessError):
            wait(proc)


def feed(fd: int, data: bytes, *, deadline: float) -> bool:
    """Write ``data`` to the pipe ``fd`` and close it; False if the reader went away or the
    deadline passed first."""
    os.set_blocking(fd, False)
    view = memoryview(data)
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_WRITE)
            while view:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(timeout=remaining):
                    return False
                view = view[os.write(fd, view[:65536]) :]
        return True
    except (BrokenPipeError, BlockingIOError):
        return False
    finally:
        os.close(fd)
