"""A start->end "echo" workflow through `POST /v1/workflows/run`, against a trivial endpoint.

One run, one client: `yarrow serve` (embedded mode: SQLite, runs and node executions persisted)
with an imported echo workflow, measured blocking and streaming at concurrency 1, 10 and 60;
the same client also measures a trivial HTTP endpoint (`GET /v1/models` of the deterministic
upstream, in its own process) as the floor. Reported: p50/p99 latency (whole response), requests/s,
errors, and p50 as a ratio of the floor. Run: `.venv/bin/python benchmarks/workflow.py`.
Dify 1.12 on this kind of machine: 37 ms p50 at 1, about 30 requests/s, 2 s p50 at 60.
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
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.live import Cli, Served, free_port  # noqa: E402

LEVELS = (1, 10, 60)
REQUESTS = {1: 200, 10: 600, 60: 1200}
ECHO = {
    "version": "0.6.0",
    "kind": "app",
    "app": {"name": "echo", "mode": "workflow"},
    "workflow": {
        "graph": {
            "nodes": [
                {
                    "id": "start",
                    "data": {
                        "type": "start",
                        "title": "Start",
                        "variables": [{"variable": "text", "type": "paragraph", "label": "t"}],
                    },
                },
                {
                    "id": "end",
                    "data": {
                        "type": "end",
                        "title": "End",
                        "outputs": [{"variable": "text", "value_selector": ["start", "text"]}],
                    },
                },
            ],
            "edges": [{"id": "e", "source": "start", "target": "end", "sourceHandle": "source"}],
        },
        "features": {},
    },
}


async def one(client: httpx.AsyncClient, method: str, url: str, **kw: object) -> float:
    """Seconds for the whole response; raises on HTTP errors or a failed run."""
    started = time.perf_counter()
    async with client.stream(method, url, **kw) as response:  # type: ignore[arg-type]
        response.raise_for_status()
        body = b"".join([chunk async for chunk in response.aiter_bytes()])
    if b"workflow_finished" in body or b'"status":"succeeded"' in body or b"data" in body:
        return time.perf_counter() - started
    raise RuntimeError("unexpected body")


async def level(
    method: str, url: str, concurrency: int, **kw: object
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
                times.append(await one(client, method, url, **kw))
            except (httpx.HTTPError, RuntimeError) as exc:
                errors += 1
                if errors == 1:
                    print(f"  first error: {exc!r}", file=sys.stderr)

    started = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return times, errors, total / (time.perf_counter() - started)


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    up_port = free_port()
    upstream = subprocess.Popen(
        [sys.executable, "-m", "yarrow.testing.fake_openai", "--port", str(up_port)]
    )
    with tempfile.TemporaryDirectory() as tmp:
        cli = Cli(Path(tmp) / "data", {"LOG_LEVEL": "WARNING"})
        cli.json("setup", "--email", "b@example.com", "--name", "B", "--password", "passw0rd-b")
        server = Served(cli, free_port())
        try:
            server.wait_ready()
            token = httpx.post(
                f"{server.url}/console/api/login",
                json={"email": "b@example.com", "password": "passw0rd-b"},
            ).json()["data"]["access_token"]
            console = httpx.Client(
                base_url=f"{server.url}/console/api",
                timeout=30,
                headers={"Authorization": f"Bearer {token}"},
            )
            imported = console.post(
                "/apps/imports", json={"yaml_content": yaml.safe_dump(ECHO)}
            ).json()
            key = console.post(f"/apps/{imported['app_id']}/api-keys").json()["token"]
            headers = {"Authorization": f"Bearer {key}"}
            floor = ("GET", f"http://127.0.0.1:{up_port}/v1/models", {})
            url = f"{server.url}/v1/workflows/run"
            cases = {
                "floor": floor,
                "blocking": ("POST", url, {"headers": headers, "json": _body("blocking")}),
                "streaming": ("POST", url, {"headers": headers, "json": _body("streaming")}),
            }
            print(f"cpus: {os.cpu_count()}  requests per level: {REQUESTS}")
            print("conc  case       p50_ms   p99_ms    req/s  errors  p50/floor")
            for concurrency in LEVELS:
                floor_p50 = 0.0
                for name, (method, target, kw) in cases.items():
                    times, errors, rps = asyncio.run(level(method, target, concurrency, **kw))
                    p50 = statistics.median(times) if times else float("nan")
                    floor_p50 = p50 if name == "floor" else floor_p50
                    print(
                        f"{concurrency:>4}  {name:<9} {p50 * 1000:>7.2f}  "
                        f"{pct(times, 99) * 1000:>7.2f}  {rps:>7.1f}  {errors:>6}  "
                        f"{p50 / floor_p50:>9.2f}"
                    )
        finally:
            server.stop()
            upstream.terminate()
            upstream.wait(timeout=10)


def _body(mode: str) -> dict[str, object]:
    return {"inputs": {"text": "hello benchmark"}, "user": "bench", "response_mode": mode}


if __name__ == "__main__":
    main()
