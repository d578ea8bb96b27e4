"""The escape suite: every case runs against the live service, is contained, and the service stays
healthy afterwards. Each snippet prints evidence of what happened; the tests assert on it.
"""

from __future__ import annotations

import concurrent.futures
import textwrap
import time

import pytest

from tests.integration.sandbox.conftest import HOST_SECRET, UID_BASE, assert_healthy, run_code
from yarrow.sandbox.supervisor import SandboxProcess


def py(code: str) -> str:
    return textwrap.dedent(code).strip() + "\n"


def _no_secret(data: dict[str, str]) -> None:
    assert HOST_SECRET not in data["stdout"] + data["error"]
    assert "integration-test-key" not in data["stdout"] + data["error"]


# ---------------------------------------------------------------- files, environment, identity


def test_host_files_are_not_in_the_view(sandbox: SandboxProcess) -> None:
    data = run_code(
        sandbox,
        "python3",
        py("""
        import os
        for path in ("/etc/shadow", "/etc/passwd", "/root/.bashrc", "/work", "/home",
                     "/var/run/docker.sock", "/sys/fs/cgroup"):
            print(path, os.path.exists(path))
        print("root:", sorted(os.listdir("/")))
        try:
            open("/usr/lib/python3.11/os.py", "a")
        except OSError as exc:
            print("write-lib:", type(exc).__name__)
        """),
    )
    out = data["stdout"]
    for path in ("/etc/shadow", "/etc/passwd", "/root/.bashrc", "/work", "/home"):
        assert f"{path} False" in out
    assert "/sys/fs/cgroup False" in out
    assert "root: ['bin', 'dev', 'etc', 'lib', 'lib64', 'proc', 'tmp', 'usr']" in out
    assert "write-lib: OSError" in out or "write-lib: PermissionError" in out


def test_proc_1_environ_and_environment_hold_no_secret(sandbox: SandboxProcess) -> None:
    data = run_code(
        sandbox,
        "python3",
        py("""
        import os
        print("env:", sorted(os.environ))
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    print(pid, open(f"/proc/{pid}/environ", "rb").read())
                except OSError as exc:
                    print(pid, "unreadable", exc.errno)
        """),
    )
    assert "env: ['HOME', 'LANG', 'PATH', 'PWD', 'TMPDIR']" in data["stdout"]
    _no_secret(data)
    # Only the jail's own processes exist in its pid namespace.
    pids = [line.split()[0] for line in data["stdout"].splitlines()[1:]]
    assert pids == ["1"]  # the run itself is pid 1 of its namespace


def test_runs_are_unprivileged_in_fresh_namespaces(sandbox: SandboxProcess) -> None:
    data = run_code(
        sandbox,
        "python3",
        py("""
        import os, socket
        print("uid", os.getuid(), os.geteuid(), os.getgid(), os.getgroups())
        print("pid", os.getpid(), "host", socket.gethostname())
        keys = ("CapEff", "NoNewPrivs", "Seccomp:")
        print("caps", [l for l in open("/proc/self/status") if l.startswith(keys)])
        print("net", open("/proc/net/dev").read().count(":"))
        """),
    )
    out = data["stdout"]
    assert "uid 0 " not in out
    assert f"uid {UID_BASE}" in out or f"uid {UID_BASE + 1}" in out  # the slot's own uid
    assert "pid 1 host sandbox" in out
    assert "CapEff:\\t0000000000000000" in out
    assert "NoNewPrivs:\\t1" in out and "Seccomp:\\t2" in out
    assert "net 1" in out  # loopback only


# ---------------------------------------------------------------- processes and syscalls


@pytest.mark.parametrize(
    "snippet",
    [
        "import os; r = os.system('id')",
        "import subprocess; r = subprocess.run(['/bin/sh', '-c', 'id'])",
        "import os; r = os.fork()",
        "import os; r = os.posix_spawn('/usr/bin/python3', ['python3', '-c', 'print(1)'], {})",
        "import pty; r = pty.spawn('/bin/sh')",
        "import os; r = os.popen('id').read()",
    ],
)
def test_python_cannot_spawn_processes(sandbox: SandboxProcess, snippet: str) -> None:
    data = run_code(sandbox, "python3", snippet + "\nprint('RESULT', repr(r))")
    assert "uid=" not in data["stdout"] + data["error"]
    # os.system reports a refused spawn as exit status 127 (32512), popen as empty output.
    refused = ("RESULT -1\n", "RESULT 32512\n", "RESULT ''\n")
    assert "PermissionError" in data["error"] or data["stdout"] in refused
    assert_healthy(sandbox)


def test_exec_of_a_shell_finds_nothing(sandbox: SandboxProcess) -> None:
    data = run_code(
        sandbox,
        "python3",
        py("""
        import os
        for prog in ("/bin/sh", "/bin/bash", "/usr/bin/env", "/usr/bin/curl"):
            try:
                os.execv(prog, [prog, "-c", "id"])
            except OSError as exc:
                print(prog, exc.errno)
        """),
    )
    assert data["stdout"].count(" 2\n") == 4  # ENOENT: there is no such program in the view


def test_node_cannot_spawn_processes(sandbox: SandboxProcess) -> None:
    data = run_code(
        sandbox,
        "nodejs",
        "const cp = require('child_process');\n"
        "for (const f of [() => cp.execSync('id'), () => cp.spawnSync('/bin/sh', ['-c', 'id']),"
        " () => cp.fork('/sandbox/main.js')]) {\n"
        "  try { const r = f(); console.log('result', r && (r.error ? r.error.code : 'SPAWNED')); }"
        " catch (e) { console.log('blocked', e.code); }\n}\n",
    )
    assert "SPAWNED" not in data["stdout"]
    assert data["stdout"].count("EPERM") + data["stdout"].count("ENOENT") >= 2


def test_raw_syscalls_through_ctypes_are_refused(sandbox: SandboxProcess) -> None:
    data = run_code(
        sandbox,
        "python3",
        py("""
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        calls = {"unshare": (272, 0x10000000), "ptrace": (101, 16, 1, 0, 0),
                 "mount": (165, b"none", b"/tmp", b"tmpfs", 0, 0), "setuid0": (105, 0),
                 "bpf": (321, 0, 0, 0), "keyctl": (250, 0), "perf": (298, 0, 0, -1, -1, 0),
                 "clone_proc": (56, 17, 0, 0, 0, 0), "setns": (308, 0, 0),
                 "userfaultfd": (323, 0), "io_uring": (425, 1, 0)}
        for name, (nr, *args) in calls.items():
            ret = libc.syscall(nr, *args)
            print(name, ret, ctypes.get_errno())
        """),
    )
    lines = data["stdout"].splitlines()
    assert len(lines) == 11, data
    for line in lines:
        name, ret, err = line.split()
        assert ret == "-1", line
        assert err in ("1", "38"), line  # EPERM (refused) or ENOSYS


def test_subclasses_walk_reaches_nothing_useful(sandbox: SandboxProcess) -> None:
    data = run_code(
        sandbox,
        "python3",
        py("""
        found = {}
        for cls in ().__class__.__base__.__subclasses__():
            if cls.__name__ in ("Popen", "_wrap_close", "FileLoader", "BuiltinImporter"):
                found[cls.__name__] = cls
        results = []
        try:
            mod = found["BuiltinImporter"].load_module("posix")
            results.append(("system", mod.system("id")))
        except Exception as exc:
            results.append(("system", type(exc).__name__))
        try:
            g = found["_wrap_close"].__init__.__globals__
            results.append(("popen", g["popen"]("cat /etc/shadow").read()))
        except Exception as exc:
            results.append(("popen", type(exc).__name__))
        print(results)
        """),
    )
    out = data["stdout"]
    assert "PermissionError" in out or "-1" in out or "256" in out
    assert "root:" not in out


# ---------------------------------------------------------------- node globals, preload


def test_node_global_and_prototype_overrides_stay_in_the_run(sandbox: SandboxProcess) -> None:
    hostile = (
        "Object.prototype.toString = () => 'pwned';\n"
        "JSON.stringify = () => 'pwned';\n"
        "Array.prototype.push = function () { return 'pwned'; };\n"
        "process.setuid = () => {}; process.getuid = () => 0;\n"
        "globalThis.require = () => ({});\n"
        "try { process.setuid(0); } catch (e) {}\n"
        "console.log('uid', process.geteuid(), require('fs').existsSync('/etc/shadow'));\n"
    )
    data = run_code(sandbox, "nodejs", hostile, preload="Object.freeze = () => 'pwned';")
    assert f"uid {UID_BASE}" in data["stdout"] or f"uid {UID_BASE + 1}" in data["stdout"]
    assert "false" in data["stdout"]
    # The next run is a fresh process: nothing of the overrides survives.
    again = run_code(sandbox, "nodejs", "console.log(JSON.stringify({a: [1].concat(2)}))")
    assert again == {"stdout": '{"a":[1,2]}\n', "error": ""}
    assert_healthy(sandbox)


def test_preload_runs_under_the_same_policy(sandbox: SandboxProcess) -> None:
    preload = py("""
    import os
    try:
        os.fork()
        PRELOAD = "forked"
    except OSError as exc:
        PRELOAD = f"fork refused {exc.errno}"
    PRELOAD += f" uid={os.getuid()} shadow={os.path.exists('/etc/shadow')}"
    """)
    data = run_code(sandbox, "python3", "print(PRELOAD)", preload=preload)
    assert data["stdout"].startswith(
        ("fork refused 1 uid=" + str(UID_BASE), "fork refused 1 uid=" + str(UID_BASE + 1))
    )
    assert "shadow=False" in data["stdout"]
    node = run_code(
        sandbox,
        "nodejs",
        "console.log(globalThis.PRE)",
        preload="try { require('child_process').execSync('id'); globalThis.PRE = 'ran'; }"
        " catch (e) { globalThis.PRE = 'blocked ' + e.code; }",
    )
    assert node["stdout"].startswith("blocked")


# ---------------------------------------------------------------- network


def test_sockets_without_network_reach_nothing(sandbox: SandboxProcess) -> None:
    port = sandbox.base_url.rsplit(":", 1)[1]
    data = run_code(
        sandbox,
        "python3",
        py(f"""
        import socket
        for host, port in (("127.0.0.1", {port}), ("169.254.169.254", 80), ("10.0.0.1", 80)):
            try:
                socket.create_connection((host, port), timeout=2)
                print(host, "CONNECTED")
            except OSError as exc:
                print(host, "blocked", exc.errno)
        """),
        enable_network=True,  # asked for, but this service has no proxy: no network
    )
    assert "CONNECTED" not in data["stdout"]
    assert data["stdout"].count("blocked") == 3


# ---------------------------------------------------------------- resource bombs


def test_fork_and_thread_bombs_are_bounded(sandbox: SandboxProcess) -> None:
    fork = run_code(sandbox, "python3", "import os\nwhile True:\n    os.fork()\n")
    assert "PermissionError" in fork["error"]
    threads = run_code(
        sandbox,
        "python3",
        py("""
        import threading, time
        started = 0
        try:
            for _ in range(10000):
                threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
                started += 1
        except RuntimeError as exc:
            print("stopped at", started, exc)
        """),
    )
    assert "stopped at" in threads["stdout"]
    assert int(threads["stdout"].split()[2]) < 100
    assert_healthy(sandbox)


def test_memory_bomb_is_bounded(sandbox: SandboxProcess) -> None:
    data = run_code(sandbox, "python3", "x = []\nwhile True:\n    x.append(bytearray(16 << 20))\n")
    assert "MemoryError" in data["error"] or "memory limit exceeded" in data["error"]
    node = run_code(
        sandbox,
        "nodejs",
        "const a = []; for (let i = 0; i < 100; i++) a.push(Buffer.alloc(32 << 20, 1));"
        " console.log('ALIVE', a.length);",
    )
    assert "ALIVE" not in node["stdout"]
    assert node["error"]
    assert_healthy(sandbox)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("language", "code"),
    [("python3", "while True:\n    pass\n"), ("nodejs", "while (true) {}")],
)
def test_cpu_bomb_is_stopped(sandbox: SandboxProcess, language: str, code: str) -> None:
    started = time.monotonic()
    data = run_code(sandbox, language, code)
    # 2 s of CPU; on a heavily loaded machine the 6 s wall limit may come first.
    assert "CPU time limit exceeded (2s)" in data["error"] or "error: timeout" in data["error"]
    assert time.monotonic() - started < 10
    assert_healthy(sandbox)


@pytest.mark.slow
def test_wall_clock_limit_stops_sleepers(sandbox: SandboxProcess) -> None:
    data = run_code(sandbox, "python3", "import time\ntime.sleep(60)\n")
    assert "error: timeout" in data["error"]


def test_disk_bomb_is_bounded(sandbox: SandboxProcess) -> None:
    data = run_code(
        sandbox,
        "python3",
        py("""
        import os
        try:
            with open("/tmp/big", "wb") as f:
                for _ in range(1024):
                    f.write(b"x" * (1 << 20))
        except OSError as exc:
            print("big:", exc.errno, os.path.getsize("/tmp/big") >> 20)
        written = 0
        try:
            for i in range(10000):
                with open(f"/tmp/f{i}", "wb") as f:
                    f.write(b"x" * (1 << 20) * 3)
                written += 1
        except OSError as exc:
            print("many:", exc.errno, written)
        for path in ("/big", "/usr/big", "/etc/big", "/dev/big", "/dev/shm/big"):
            try:
                open(path, "wb")
            except OSError as exc:
                print(path, exc.errno)
        """),
    )
    out = data["stdout"]
    assert "big: 27 4" in out  # EFBIG at the 4 MiB file-size limit
    assert "many: 28" in out  # ENOSPC once the 16 MiB scratch tmpfs is full
    assert all(f"{p} 30" in out for p in ("/big", "/usr/big", "/etc/big", "/dev/big"))  # EROFS


def test_100_mb_of_output_is_cut(sandbox: SandboxProcess) -> None:
    started = time.monotonic()
    data = run_code(
        sandbox,
        "python3",
        "import sys\nfor _ in range(100):\n    sys.stdout.write('x' * (1 << 20))\n",
    )
    assert len(data["stdout"]) <= 1 << 20
    assert "output limit exceeded" in data["error"]
    assert time.monotonic() - started < 5
    assert_healthy(sandbox)


def test_concurrent_runs_cannot_read_each_others_scratch(sandbox: SandboxProcess) -> None:
    writer = py("""
    import os, time
    with open("/tmp/secret-of-run-a", "w") as f:
        f.write("run-a-private")
    time.sleep(2)
    print("a sees", sorted(os.listdir("/tmp")))
    """)
    reader = py("""
    import os, time
    time.sleep(0.5)
    print("b sees", sorted(os.listdir("/tmp")), os.path.exists("/tmp/secret-of-run-a"))
    print("b procs", sorted(p for p in os.listdir("/proc") if p.isdigit()))
    """)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        a = pool.submit(run_code, sandbox, "python3", writer)
        b = pool.submit(run_code, sandbox, "python3", reader)
        out_a, out_b = a.result()["stdout"], b.result()["stdout"]
    assert "a sees ['secret-of-run-a']" in out_a
    assert "b sees [] False" in out_b
    assert "b procs ['1']" in out_b


def test_node_sees_no_host_files_environment_or_network(sandbox: SandboxProcess) -> None:
    code = (
        "const fs = require('fs'), net = require('net');\n"
        "console.log('env', JSON.stringify(Object.keys(process.env).sort()));\n"
        "for (const p of ['/etc/passwd', '/root', '/work', '/proc/1/environ']) {\n"
        "  try { console.log(p, JSON.stringify(fs.readFileSync(p, 'utf8'))); }"
        " catch (e) { console.log(p, e.code); }\n}\n"
        "const s = net.connect({host: '169.254.169.254', port: 80});\n"
        "s.on('error', (e) => console.log('net', e.code));\n"
        "s.on('connect', () => console.log('CONNECTED'));\n"
    )
    data = run_code(sandbox, "nodejs", code, enable_network=True)
    out = data["stdout"]
    assert 'env ["HOME","LANG","PATH","PWD","TMPDIR"]' in out
    assert "/etc/passwd ENOENT" in out and "/root ENOENT" in out and "/work ENOENT" in out
    # The run is pid 1 of its namespace: /proc/1 is itself, with only the jail's variables.
    assert (
        '/proc/1/environ "LANG=C.UTF-8\\u0000HOME=/tmp\\u0000TMPDIR=/tmp\\u0000PATH=/usr/bin' in out
    )
    assert "CONNECTED" not in out and "net E" in out
    _no_secret(data)


def test_node_100_mb_of_output_is_cut(sandbox: SandboxProcess) -> None:
    data = run_code(
        sandbox,
        "nodejs",
        "const s = 'x'.repeat(1 << 20);\nfor (let i = 0; i < 100; i++) process.stdout.write(s);",
    )
    assert len(data["stdout"]) <= 1 << 20
    assert "output limit exceeded" in data["error"]
    assert_healthy(sandbox)
