"""What `/v1/chat-messages` (streaming) adds on top of the model upstream it calls.

One run, one deterministic upstream (`yarrow.testing.fake_openai` in its own process):
- direct: the benchmark client streams from the upstream itself;
- yarrow: the same client streams through `yarrow serve` (embedded mode, messages persisted),
  whose app uses that upstream.
Reported per concurrency level (1, 10, 100 streams): time to first event p50/p99, the added
p50 (yarrow - direct), requests/s and errors. Run: `.venv/bin/python benchmarks/chat_overhead.py`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.live import Cli, Served, free_port  # noqa: E402

LEVELS = (1, 10, 100)
REQUESTS = {1: 100, 10: 300, 100: 600}
KEY = "sk-bench"


async def one(
    client: httpx.AsyncClient, url: str, body: dict[str, object], headers: dict[str, str]
) -> float:
    """Seconds until the first data event carrying text; raises on HTTP errors."""
    started = time.perf_counter()
    first = None
    async with client.stream("POST", url, json=body, headers=headers) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            compact = line.replace(" ", "")
            has_text = '"content":"E' in compact or '"answer":"E' in compact
            if first is None and line.startswith("data: ") and has_text:
                first = time.perf_counter() - started
    if first is None:
        raise RuntimeError("no content event")
    return first


async def level(
    url: str, body: dict[str, object], headers: dict[str, str], concurrency: int
) -> tuple[list[float], int, float]:
    total = REQUESTS[concurrency]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)
    times: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            queue.get_nowait()
            try:
                times.append(await one(client, url, body, headers))
            except (httpx.HTTPError, RuntimeError):
                errors += 1

    started = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return times, errors, total / (time.perf_counter() - started)


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    up_port = free_port()
    upstream = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "yarrow.testing.fake_openai",
            "--port",
            str(up_port),
            "--api-key",
            KEY,
        ]
    )
    with tempfile.TemporaryDirectory() as tmp:
        cli = Cli(Path(tmp) / "data", {"LOG_LEVEL": "WARNING"})
        cli.json("setup", "--email", "b@example.com", "--name", "B", "--password", "passw0rd-b")
        server = Served(cli, free_port())
        try:
            server.wait_ready()
            base = f"http://127.0.0.1:{up_port}/v1"
            token = httpx.post(
                f"{server.url}/console/api/login",
                json={"email": "b@example.com", "password": "passw0rd-b"},
            ).json()["data"]["access_token"]
            console = httpx.Client(
                base_url=f"{server.url}/console/api",
                timeout=30,
                headers={"Authorization": f"Bearer {token}"},
            )
            console.post(
                "/workspaces/current/model-providers/openai_api_compatible/credentials",
                json={"credentials": {"endpoint_url": base, "api_key": KEY}},
            ).raise_for_status()
            app = console.post("/apps", json={"name": "bench", "mode": "chat"}).json()
            console.post(
                f"/apps/{app['id']}/model-config",
                json={"model": {"provider": "openai_api_compatible", "name": "echo-1"}},
            ).raise_for_status()
            app_key = console.post(f"/apps/{app['id']}/api-keys").json()["token"]
            direct = (
                f"{base}/chat/completions",
                {
                    "model": "echo-1",
                    "stream": True,
                    "messages": [{"role": "user", "content": "hello benchmark"}],
                },
                {"Authorization": f"Bearer {KEY}"},
            )
            via = (
                f"{server.url}/v1/chat-messages",
                {
                    "query": "hello benchmark",
                    "inputs": {},
                    "user": "bench",
                    "response_mode": "streaming",
                },
                {"Authorization": f"Bearer {app_key}"},
            )
            print(f"cpus: {os.cpu_count()}  requests per level: {REQUESTS}")
            print("conc  path    ttfe_p50_ms  ttfe_p99_ms  req/s   errors  added_p50_ms")
            for concurrency in LEVELS:
                d_times, d_err, d_rps = asyncio.run(level(*direct, concurrency))
                y_times, y_err, y_rps = asyncio.run(level(*via, concurrency))
                d50, y50 = statistics.median(d_times), statistics.median(y_times)
                print(
                    f"{concurrency:>4}  direct  {d50 * 1000:>11.2f}  "
                    f"{pct(d_times, 99) * 1000:>11.2f}"
                    f"  {d_rps:>6.1f}  {d_err:>6}"
                )
                print(
                    f"{concurrency:>4}  yarrow  {y50 * 1000:>11.2f}  "
                    f"{pct(y_times, 99) * 1000:>11.2f}"
                    f"  {y_rps:>6.1f}  {y_err:>6}  {(y50 - d50) * 1000:>11.2f}"
                )
        finally:
            server.stop()
            upstream.terminate()
            upstream.wait(timeout=10)


if __name__ == "__main__":
    main()
