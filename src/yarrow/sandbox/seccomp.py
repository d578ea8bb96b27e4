"""The seccomp allow-list every sandboxed run executes under.

The filter is compiled in the service process (through libseccomp, via ``pyseccomp``) into a BPF
program that bubblewrap installs, together with ``no_new_privs``, immediately before it executes the
interpreter: nothing the user sends, ``preload`` included, ever runs without it.

Contract:
- anything not listed is refused with ``EPERM`` (the process sees an ``OSError``, not a kill);
- new processes cannot be created: ``fork``/``vfork`` are refused and ``clone`` is allowed only with
  ``CLONE_THREAD`` (threads), ``clone3`` answers ``ENOSYS`` so libc falls back to ``clone``;
- ``socket`` is allowed for ``AF_UNIX`` always (``asyncio`` needs a socket pair) and for
  ``AF_INET``/``AF_INET6`` only when the run has network; the run's network namespace decides where
  such a socket can reach;
- kernel attack surface that code snippets never need (``ptrace``, ``mount``, ``unshare``,
  ``setns``, ``bpf``, ``keyctl``, ``perf_event_open``, ``userfaultfd``, ``io_uring``, module and
  clock syscalls, ...) is refused.
"""

from __future__ import annotations

import errno
import socket
import tempfile
from functools import lru_cache
from typing import Any

from yarrow.errors import ConfigurationError

CLONE_THREAD = 0x00010000

#: Syscalls every run may make (x86_64 and aarch64 names; names unknown to the arch are skipped).
BASE_SYSCALLS: tuple[str, ...] = (
    # file descriptors and files (the file-system view is read-only apart from /tmp)
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
    "pwritev2", "open", "openat", "openat2", "close", "close_range", "stat", "fstat", "lstat",
    "newfstatat", "statx", "lseek", "getdents", "getdents64", "fcntl", "ioctl", "access",
    "faccessat", "faccessat2", "readlink", "readlinkat", "getcwd", "chdir", "fchdir", "dup", "dup2",
    "dup3", "pipe", "pipe2", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename",
    "renameat", "renameat2", "ftruncate", "truncate", "fsync", "fdatasync", "fadvise64",
    "fallocate", "chmod", "fchmod", "fchmodat", "umask", "utimensat", "symlink", "symlinkat",
    "link", "linkat", "statfs", "fstatfs", "flock", "sendfile", "copy_file_range", "splice", "tee",
    "memfd_create", "poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1",
    "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2",
    "timerfd_create", "timerfd_settime", "timerfd_gettime", "signalfd", "signalfd4",
    # memory
    "mmap", "munmap", "mprotect", "brk", "mremap", "madvise", "msync", "mincore", "membarrier",
    "pkey_alloc", "pkey_free", "pkey_mprotect",
    # threads and scheduling
    "futex", "futex_waitv", "set_robust_list", "get_robust_list", "rseq", "set_tid_address",
    "sched_getaffinity", "sched_yield", "sched_getparam", "sched_getscheduler",
    "sched_get_priority_max", "sched_get_priority_min", "getpriority",
    # identity and process information (read-only)
    "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups", "getpid",
    "getppid", "gettid", "getpgrp", "getpgid", "getsid", "capget", "prctl", "arch_prctl", "uname",
    "sysinfo", "getrlimit", "prlimit64", "setrlimit", "getrusage", "times", "getcpu",
    # signals
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
    "rt_sigpending", "sigaltstack", "kill", "tgkill", "tkill", "pause", "alarm", "setitimer",
    "getitimer", "timer_create", "timer_settime", "timer_gettime", "timer_delete",
    "timer_getoverrun",
    # time
    "clock_gettime", "clock_getres", "gettimeofday", "nanosleep", "clock_nanosleep", "time",
    # program lifetime; execve starts the interpreter (there is nothing else to execute in the view)
    "execve", "exit", "exit_group", "wait4", "waitid", "getrandom", "restart_syscall",
    # sockets other than socket() itself (AF_UNIX always; inet only with network, see below)
    "socketpair", "connect", "bind", "listen", "accept", "accept4", "sendto", "recvfrom",
    "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "getsockname", "getpeername", "setsockopt",
    "getsockopt", "shutdown",
)  # fmt: skip

#: Syscalls refused with ``ENOSYS`` so that libc uses an older, filterable variant.
ENOSYS_SYSCALLS: tuple[str, ...] = ("clone3",)


def _pyseccomp() -> Any:
    try:
        import pyseccomp
    except (ImportError, OSError) as exc:  # OSError: libseccomp.so.2 missing
        raise ConfigurationError(
            "The sandbox needs libseccomp (Debian package libseccomp2) and the pyseccomp package."
        ) from exc
    return pyseccomp


@lru_cache(maxsize=4)
def compile_filter(*, network: bool) -> bytes:
    """The BPF program (as bytes, for bubblewrap's ``--seccomp FD``) for one kind of run."""
    sc = _pyseccomp()
    flt = sc.SyscallFilter(defaction=sc.ERRNO(errno.EPERM))
    for name in BASE_SYSCALLS:
        _add(flt, sc.ALLOW, name)
    for name in ENOSYS_SYSCALLS:
        _add(flt, sc.ERRNO(errno.ENOSYS), name)
    _add(flt, sc.ALLOW, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, CLONE_THREAD))
    families = [socket.AF_UNIX] + ([socket.AF_INET, socket.AF_INET6] if network else [])
    for family in families:
        _add(flt, sc.ALLOW, "socket", sc.Arg(0, sc.EQ, int(family)))
    with tempfile.TemporaryFile() as sink:
        flt.export_bpf(sink)
        sink.seek(0)
        program = sink.read()
    if not program or len(program) % 8:
        raise ConfigurationError("libseccomp produced an invalid BPF program.")
    return program


def _add(flt: object, action: int, name: str, *args: object) -> None:
    try:
        flt.add_rule(action, name, *args)  # type: ignore[attr-defined]
    except ValueError:
        return  # syscall does not exist on this architecture
    except OSError as exc:
        if exc.errno in (errno.EINVAL, errno.EFAULT, errno.EDOM):
            return
        raise
