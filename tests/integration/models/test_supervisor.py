"""The llama.cpp supervisor, driven with a stand-in server module (``fake_llama``) for speed.

The real child is covered by ``test_failures.py``; these tests check the supervision rules:
health checks, restart on crash, giving up on a crash loop, clean stop, no orphan on parent death.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from yarrow.models import ModelUnavailableError
from yarrow.models.providers.local.llama_server import LlamaServerConfig, LlamaServerSupervisor

FAKE = "tests.integration.models.fake_llama"
ROOT = Path(__file__).resolve().parents[3]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie that nobody reaped yet counts as gone
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def wait_until(condition, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def supervisor(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # the child imports the stand-in from the repository root
    made: list[LlamaServerSupervisor] = []

    def build(**overrides) -> LlamaServerSupervisor:
        config = LlamaServerConfig(
            model_path=tmp_path / "none.gguf",
            log_path=tmp_path / "child.log",
            module=FAKE,
            startup_timeout=15,
            health_interval=0.2,
            health_timeout=0.3,
            health_failures=2,
            stop_timeout=0.5,
            **overrides,
        )
        made.append(LlamaServerSupervisor(config))
        return made[-1]

    yield build
    for item in made:
        item.stop()


def test_starts_lazily_and_stops_cleanly(supervisor):
    sup = supervisor()
    assert sup.pid is None
    url = sup.ensure_running()
    pid = sup.pid
    assert url.startswith("http://127.0.0.1:") and url.endswith("/v1") and alive(pid)
    assert sup.ensure_running() == url and sup.pid == pid  # idempotent
    sup.stop()
    assert sup.pid is None and not alive(pid)


def test_restarts_a_crashed_child_on_the_same_port(supervisor):
    sup = supervisor()
    url = sup.ensure_running()
    first = sup.pid
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: sup.pid not in (None, first))
    assert sup.ensure_running() == url and sup.restart_count == 1


def test_restarts_a_child_that_stops_answering(supervisor):
    sup = supervisor()
    sup.ensure_running()
    frozen = sup.pid
    os.kill(frozen, signal.SIGSTOP)  # alive but silent: only the health check can tell
    try:
        wait_until(lambda: sup.pid not in (None, frozen))
    finally:
        if alive(frozen):
            os.kill(frozen, signal.SIGKILL)
    sup.ensure_running()
    assert not alive(frozen) and sup.restart_count == 1


def test_gives_up_on_a_crash_loop(supervisor, monkeypatch):
    monkeypatch.setenv("FAKE_LLAMA_MODE", "crash")
    sup = supervisor(max_restarts=2)
    with pytest.raises(ModelUnavailableError, match="crashed 3 times"):
        sup.ensure_running()
    assert sup.restart_count == 2
    with pytest.raises(ModelUnavailableError, match="giving up"):
        sup.ensure_running()  # stays failed until stopped
    monkeypatch.setenv("FAKE_LLAMA_MODE", "serve")
    sup.stop()
    sup.ensure_running()  # a stop resets the failure


def test_child_secrets_are_not_inherited(supervisor, monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "do-not-leak")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-do-not-leak")
    sup = supervisor()
    sup.ensure_running()
    environ = Path(f"/proc/{sup.pid}/environ").read_bytes().decode(errors="replace")
    assert "do-not-leak" not in environ


def test_child_exits_when_yarrow_dies(tmp_path):
    script = f"""
import os, sys
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from yarrow.models.providers.local.llama_server import LlamaServerConfig, LlamaServerSupervisor
sup = LlamaServerSupervisor(LlamaServerConfig(
    model_path=Path("none"), log_path=Path({str(tmp_path / "c.log")!r}), module={FAKE!r}))
sup.ensure_running()
print(sup.pid, flush=True)
os._exit(0)  # die without stopping anything
"""
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    child = int(out.stdout.strip())
    try:
        wait_until(lambda: not alive(child), within=10)
    finally:
        if alive(child):
            os.kill(child, signal.SIGKILL)
