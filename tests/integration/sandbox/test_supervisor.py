"""start_sandbox_process: healthy start, refusal of a bad configuration, clean stop."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.sandbox.conftest import (
    API_KEY,
    UID_BASE,
    assert_healthy,
    free_port,
    run_code,
    running_sandbox,
    sandbox_environ,
)
from yarrow.errors import ConfigurationError
from yarrow.sandbox.errors import SandboxUnavailable
from yarrow.sandbox.supervisor import start_sandbox_process


def _cgroup_dirs(pid: int) -> list[Path]:
    name = f"yarrow-sandbox-{pid}"
    return [p for p in Path("/sys/fs/cgroup").glob(f"*/**/{name}") if p.is_dir()]


def _processes_of(uid_base: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if uid_base <= entry.stat().st_uid < uid_base + 16:
                    found.append(int(entry.name))
            except FileNotFoundError:
                continue
    return found


def test_start_run_and_stop_leaves_nothing_behind(tmp_path: Path) -> None:
    with running_sandbox(
        tmp_path, tmp_path / "log", YARROW_SANDBOX_UID_BASE=str(UID_BASE + 40)
    ) as handle:
        assert _cgroup_dirs(handle.pid), "slot cgroups exist while running"
        response = httpx.post(
            f"{handle.base_url}/v1/sandbox/run",
            json={"language": "python3", "code": "import time\nprint(1)"},
            headers={"X-Api-Key": API_KEY},
        )
        assert response.json()["data"]["stdout"] == "1\n"
        pid = handle.pid
    assert handle.process.returncode in (0, -15)  # uvicorn re-raises SIGTERM after shutdown
    assert not _cgroup_dirs(pid)
    assert not _processes_of(UID_BASE + 40)


def test_stop_during_a_run_kills_the_jail(tmp_path: Path) -> None:
    with running_sandbox(
        tmp_path, tmp_path / "log", YARROW_SANDBOX_UID_BASE=str(UID_BASE + 60)
    ) as handle:
        runner = subprocess.Popen(
            [
                "curl", "-s", "-m", "20", "-H", f"X-Api-Key: {API_KEY}",
                "-d", '{"language": "python3", "code": "import time\\ntime.sleep(30)"}',
                f"{handle.base_url}/v1/sandbox/run",
            ],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _ in range(50):
                if _processes_of(UID_BASE + 60):
                    break
                time.sleep(0.1)
            assert _processes_of(UID_BASE + 60)
            started = time.monotonic()
        finally:
            handle.stop(timeout=15)
            runner.wait()
    assert time.monotonic() - started < 5  # the 6 s run was killed, not awaited
    assert not _processes_of(UID_BASE + 60)


def test_bad_configuration_fails_fast_and_stops(tmp_path: Path) -> None:
    env = sandbox_environ(tmp_path, YARROW_SANDBOX_PYTHON_PATH="/nonexistent/python3")
    with pytest.raises(SandboxUnavailable, match="exited"):
        start_sandbox_process(
            api_key=API_KEY,
            port=free_port(),
            environ=env,
            ready_timeout=20,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def test_interpreter_under_root_home_is_refused(tmp_path: Path) -> None:
    hidden = tmp_path / "private"
    hidden.mkdir(mode=0o700)
    interpreter = hidden / "python3"
    interpreter.write_text("#!/bin/sh\n")
    interpreter.chmod(0o755)
    os.chmod(hidden, 0o700)
    env = sandbox_environ(tmp_path, YARROW_SANDBOX_PYTHON_PATH=str(interpreter))
    log = tmp_path / "log"
    with open(log, "wb") as sink, pytest.raises(SandboxUnavailable):
        start_sandbox_process(
            api_key=API_KEY,
            port=free_port(),
            environ=env,
            stdout=sink.fileno(),
            stderr=sink.fileno(),
        )
    assert "cannot enter" in log.read_text()


def test_empty_key_is_refused_before_starting(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="CODE_EXECUTION_API_KEY"):
        start_sandbox_process(api_key="", port=free_port(), environ=sandbox_environ(tmp_path))


def test_without_cgroups_rlimits_still_bound_runs(tmp_path: Path) -> None:
    with running_sandbox(
        tmp_path,
        tmp_path / "log",
        YARROW_SANDBOX_UID_BASE=str(UID_BASE + 80),
        YARROW_SANDBOX_USE_CGROUPS="false",
    ) as handle:
        assert not _cgroup_dirs(handle.pid)
        memory = run_code(handle, "python3", "x = bytearray(512 << 20)\nprint('ALIVE')")
        assert "MemoryError" in memory["error"] and "ALIVE" not in memory["stdout"]
        cpu = run_code(handle, "python3", "while True:\n    pass\n")
        assert "CPU time limit exceeded" in cpu["error"] or "error: timeout" in cpu["error"]
        threads = run_code(
            handle,
            "python3",
            "import threading, time\n"
            "for _ in range(1000):\n"
            "    threading.Thread(target=time.sleep, args=(3,), daemon=True).start()\n",
        )
        assert "can't start new thread" in threads["error"]
        assert_healthy(handle)


def test_unprivileged_service_still_jails_runs(tmp_path: Path) -> None:
    # The service itself as nobody (Debian's interpreter, this checkout and the venv's packages on
    # PYTHONPATH, since the venv's interpreter lives under /root): runs keep nobody's uid, no
    # cgroups, but every namespace, the seccomp filter and the rlimits still apply.
    data_dir = Path(tempfile.mkdtemp(prefix="yarrow-sbx-unpriv-"))
    os.chown(data_dir, 65534, 65534)
    src = Path(__file__).resolve().parents[3] / "src"
    site = next(Path(sys.prefix, "lib").glob("python3*/site-packages"))
    env = sandbox_environ(data_dir, PYTHONPATH=f"{src}:{site}", HOME=str(data_dir))
    command = [
        "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3",
        "-c", "from yarrow.entrypoints.commands_sandbox import sandbox; sandbox()",
    ]  # fmt: skip
    log = tmp_path / "log"
    try:
        with open(log, "wb") as sink:
            handle = start_sandbox_process(
                api_key=API_KEY,
                port=free_port(),
                environ=env,
                command=command,
                stdout=sink.fileno(),
                stderr=sink.fileno(),
            )
        try:
            probe = run_code(
                handle,
                "python3",
                "import os\n"
                "print(os.getuid(), os.path.exists('/etc/passwd'), os.listdir('/proc')[:0])\n"
                "try:\n    os.fork()\nexcept OSError as exc:\n    print('fork', exc.errno)\n",
            )
            assert probe == {"stdout": "65534 False []\nfork 1\n", "error": ""}
            memory = run_code(handle, "python3", "x = bytearray(512 << 20)")
            assert "MemoryError" in memory["error"]
            node = run_code(handle, "nodejs", "console.log(process.getuid())")
            assert node == {"stdout": "65534\n", "error": ""}
            assert not _cgroup_dirs(handle.pid)
            assert_healthy(handle)
        finally:
            handle.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    assert "not running as root" in log.read_text()
