"""Slot cgroups: nothing is left behind when a service or its parent is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.sandbox.conftest import API_KEY, UID_BASE, free_port, sandbox_environ
from yarrow.sandbox.cgroup import _own_cgroup, remove_stale
from yarrow.sandbox.service import CGROUP_PREFIX

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="cgroups need root")


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _cgroup_dirs(pid: int) -> list[Path]:
    return [p for p in Path("/sys/fs/cgroup").glob(f"*/**/{CGROUP_PREFIX}{pid}") if p.is_dir()]


def test_stale_cgroups_of_dead_services_are_removed() -> None:
    parent = _own_cgroup("pids")
    assert parent is not None
    dead, alive = parent / f"{CGROUP_PREFIX}{_dead_pid()}", parent / f"{CGROUP_PREFIX}{os.getpid()}"
    for directory in (dead, alive):
        (directory / "slot-0").mkdir(parents=True)
    try:
        removed = remove_stale(CGROUP_PREFIX)
        assert dead in removed and not dead.exists()
        assert alive.exists()  # a live service keeps its cgroups
    finally:
        for directory in (dead, alive):
            if directory.exists():
                (directory / "slot-0").rmdir()
                directory.rmdir()


HELPER = """
import sys, time
from yarrow.sandbox.supervisor import start_sandbox_process
log = open(sys.argv[3], "wb")
handle = start_sandbox_process(api_key=sys.argv[1], port=int(sys.argv[2]),
                               stdout=log.fileno(), stderr=-2)
print(handle.pid, flush=True)
time.sleep(600)
"""


def test_sandbox_stops_when_its_parent_is_killed(tmp_path: Path) -> None:
    env = sandbox_environ(tmp_path, YARROW_SANDBOX_UID_BASE=str(UID_BASE + 140))
    helper = subprocess.Popen(
        [sys.executable, "-c", HELPER, API_KEY, str(free_port()), str(tmp_path / "log")],
        env=env,
        stdout=subprocess.PIPE,
    )
    try:
        assert helper.stdout is not None
        sandbox_pid = int(helper.stdout.readline())
        assert _cgroup_dirs(sandbox_pid)
    finally:
        helper.send_signal(signal.SIGKILL)
        helper.wait()
        helper.stdout.close()  # type: ignore[union-attr]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _running(sandbox_pid):
        time.sleep(0.2)
    assert not _running(sandbox_pid), (tmp_path / "log").read_text()
    assert not _cgroup_dirs(sandbox_pid)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
