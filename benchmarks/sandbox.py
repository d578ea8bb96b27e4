"""Sandbox cost: a trivial snippet through the service versus starting the bare interpreter.

Measured in the same run: p50/p95 latency of ``print(1)`` (sequential) and runs per second (with
as many concurrent clients as workers) for python3 and nodejs, each against starting the same
interpreter directly with ``subprocess``; then the service's RSS after 100 runs and after
``--runs`` runs (default 5,000), to show there is no growth per run. Needs root (like the service).

    sudo .venv/bin/python benchmarks/sandbox.py [--runs 5000] [--samples 200] [--workers 2]
                                                [--no-prewarm]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable

import httpx

from yarrow.sandbox.supervisor import SandboxProcess, start_sandbox_process

KEY = "benchmark-key-0123456789abcdef"
SNIPPETS = {"python3": "print(1)", "nodejs": "console.log(1)"}
BARE = {
    "python3": ["/usr/bin/python3", "-I", "-c", "print(1)"],
    "nodejs": ["/usr/bin/node", "-e", "console.log(1)"],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def timed(fn: Callable[[], None], samples: int) -> list[float]:
    out = []
    for _ in range(samples):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def throughput(fn: Callable[[], None], total: int, clients: int) -> float:
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda _: fn(), range(total)))
    return total / (time.perf_counter() - started)


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--no-prewarm", action="store_true", help="start every jail on request (no warm jail)"
    )
    args = parser.parse_args()

    data_dir = tempfile.TemporaryDirectory(prefix="yarrow-bench-sandbox-")
    env = dict(os.environ)
    env.update(
        YARROW_DATA_DIR=data_dir.name,
        YARROW_SANDBOX_MAX_WORKERS=str(args.workers),
        YARROW_SANDBOX_MAX_REQUESTS=str(args.workers * 8),
        YARROW_SANDBOX_UID_BASE="63000",
        YARROW_SANDBOX_PREWARM="false" if args.no_prewarm else "true",
    )
    handle: SandboxProcess = start_sandbox_process(
        api_key=KEY,
        port=free_port(),
        environ=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = httpx.Client(base_url=handle.base_url, headers={"X-Api-Key": KEY}, timeout=60)
    try:
        print(f"workers={args.workers} samples={args.samples} prewarm={not args.no_prewarm}")
        print(f"{'language':9} {'path':8} {'p50 ms':>8} {'p95 ms':>8} {'runs/s':>8}")
        for language, snippet in SNIPPETS.items():

            def via_sandbox(language: str = language, snippet: str = snippet) -> None:
                body = {"language": language, "code": snippet, "enable_network": True}
                data = client.post("/v1/sandbox/run", json=body).json()["data"]
                assert data["stdout"] == "1\n", data

            def bare(language: str = language) -> None:
                done = subprocess.run(BARE[language], capture_output=True, env={}, check=True)
                assert done.stdout == b"1\n"

            results = {}
            for path, fn in (("bare", bare), ("sandbox", via_sandbox)):
                fn()  # warm up
                latencies = sorted(timed(fn, args.samples))
                p50 = statistics.median(latencies) * 1000
                p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
                rate = throughput(fn, args.samples, args.workers)
                results[path] = (p50, rate)
                print(f"{language:9} {path:8} {p50:8.1f} {p95:8.1f} {rate:8.1f}")
            ratio_latency = results["sandbox"][0] / results["bare"][0]
            ratio_rate = results["sandbox"][1] / results["bare"][1]
            print(f"{language:9} ratio    p50 x{ratio_latency:.2f}, runs/s x{ratio_rate:.2f}")

        def trivial() -> None:
            client.post("/v1/sandbox/run", json={"language": "python3", "code": "print(1)"})

        done = len(SNIPPETS) * (2 * args.samples + 1)  # sandbox runs so far (warm-up included)
        remaining_to_100 = max(0, 100 - done)
        throughput(trivial, remaining_to_100, args.workers)
        rss_100 = rss_kib(handle.pid)
        throughput(trivial, max(0, args.runs - max(done, 100)), args.workers)
        rss_end = rss_kib(handle.pid)
        stats = client.get("/v1/sandbox/stats").json()["data"]
        print(
            f"service RSS after 100 runs: {rss_100} KiB; after {stats['runs']} runs: {rss_end} KiB "
            f"(x{rss_end / rss_100:.3f}); verdicts {stats['verdicts']}"
        )
    finally:
        client.close()
        handle.stop()
        data_dir.cleanup()


if __name__ == "__main__":
    main()
