"""Start-up time and idle memory of `yarrow serve` on an empty data directory.

Baseline, measured in the same run: a bare uvicorn process serving a one-route Starlette app, so the
ratio shows what Yarrow's own start-up adds. Run: `.venv/bin/python benchmarks/serve_startup.py`.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

RUNS = 5
BASELINE_APP = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
app = Starlette(routes=[Route("/health", lambda r: JSONResponse({"status": "ok"}))])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(cmd: list[str], port: int, env: dict[str, str], cwd: str) -> tuple[float, float]:
    """Seconds until /health answers 200, and RSS after 3 s idle."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.perf_counter() - started > 30:
                raise RuntimeError("did not start")
            time.sleep(0.01)
        ready = time.perf_counter() - started
        time.sleep(3)
        return ready, rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main() -> None:
    python = sys.executable
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "YARROW_"))}
    yarrow, baseline = [], []
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "baseline_app.py").write_text(BASELINE_APP)
        for i in range(RUNS):
            port = free_port()
            env = {**base_env, "YARROW_DATA_DIR": str(Path(tmp, f"data{i}"))}
            yarrow.append(
                measure(
                    [python, "-m", "yarrow.entrypoints.cli", "serve", "--port", str(port)],
                    port,
                    env,
                    tmp,
                )
            )
            port = free_port()
            baseline.append(
                measure(
                    [
                        python,
                        "-m",
                        "uvicorn",
                        "baseline_app:app",
                        "--port",
                        str(port),
                        "--log-level",
                        "warning",
                    ],
                    port,
                    base_env,
                    tmp,
                )
            )
    y_start = statistics.median(t for t, _ in yarrow)
    b_start = statistics.median(t for t, _ in baseline)
    y_rss = statistics.median(r for _, r in yarrow)
    b_rss = statistics.median(r for _, r in baseline)
    print(f"runs: {RUNS} (median), empty data directory each time")
    print(f"yarrow serve  start {y_start:.2f} s   idle RSS {y_rss:.0f} MB")
    print(f"bare uvicorn  start {b_start:.2f} s   idle RSS {b_rss:.0f} MB")
    print(f"ratio         start {y_start / b_start:.2f}x  RSS {y_rss / b_rss:.2f}x")


if __name__ == "__main__":
    main()
