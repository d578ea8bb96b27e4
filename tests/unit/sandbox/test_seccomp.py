"""The seccomp allow-list, installed in a child interpreter directly (no jail around it)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from yarrow.sandbox.seccomp import BASE_SYSCALLS, compile_filter

# Installs the BPF program read from stdin with prctl, then reports what still works.
PROBE = textwrap.dedent("""
    import ctypes, errno, os, socket, sys, threading
    prog = sys.stdin.buffer.read()
    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(38, 1, 0, 0, 0) == 0  # PR_SET_NO_NEW_PRIVS
    fprog = SockFprog(len(prog) // 8, prog)
    assert libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) == 0, ctypes.get_errno()
    def attempt(name, fn):
        try:
            fn()
            print(name, "ok")
        except OSError as exc:
            print(name, errno.errorcode.get(exc.errno, exc.errno))
    attempt("fork", os.fork)
    attempt("unix", lambda: socket.socket(socket.AF_UNIX).close())
    attempt("socketpair", lambda: [s.close() for s in socket.socketpair()])
    attempt("inet", lambda: socket.socket(socket.AF_INET).close())
    attempt("inet6", lambda: socket.socket(socket.AF_INET6).close())
    attempt("netlink", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW).close())
    def thread():
        t = threading.Thread(target=lambda: None)
        t.start()
        t.join()
    attempt("thread", thread)
    def raw(nr, *args):
        def call():
            if libc.syscall(nr, *args) == -1:
                raise OSError(ctypes.get_errno(), "syscall")
        return call
    attempt("unshare", raw(272, 0x10000000))
    attempt("chroot", lambda: os.chroot("/"))
    attempt("mount", raw(165, b"x", b"/", b"tmpfs", 0, None))
    attempt("file", lambda: open("/proc/self/status").read())
""")


def probe(network: bool) -> dict[str, str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        input=compile_filter(network=network),
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr.decode()
    return dict(line.split(" ", 1) for line in result.stdout.decode().splitlines())


def test_program_is_bpf_and_cached() -> None:
    program = compile_filter(network=False)
    assert program and len(program) % 8 == 0
    assert compile_filter(network=False) is program
    assert compile_filter(network=True) != program


def test_without_network_processes_and_inet_sockets_are_refused() -> None:
    seen = probe(network=False)
    assert seen["fork"] == "EPERM"
    assert seen["inet"] == seen["inet6"] == seen["netlink"] == "EPERM"
    assert seen["unix"] == seen["socketpair"] == "ok"
    assert seen["thread"] == "ok"  # threads (clone with CLONE_THREAD) still work
    assert seen["unshare"] == seen["chroot"] == seen["mount"] == "EPERM"
    assert seen["file"] == "ok"


def test_with_network_only_inet_sockets_are_added() -> None:
    seen = probe(network=True)
    assert seen["inet"] == seen["inet6"] == "ok"
    assert seen["netlink"] == "EPERM"
    assert seen["fork"] == "EPERM"


@pytest.mark.parametrize(
    "dangerous",
    ["ptrace", "mount", "unshare", "setns", "bpf", "keyctl", "perf_event_open", "userfaultfd",
     "io_uring_setup", "init_module", "kexec_load", "fork", "vfork", "clone3", "chroot",
     "pivot_root", "process_vm_readv", "setuid", "personality"],
)  # fmt: skip
def test_dangerous_syscalls_are_not_on_the_allow_list(dangerous: str) -> None:
    assert dangerous not in BASE_SYSCALLS
