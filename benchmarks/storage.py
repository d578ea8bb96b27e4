"""Streaming a large object out of storage keeps memory flat.

Each measurement runs in a fresh child process and reports its peak RSS (ru_maxrss), so the
phases do not see each other's memory. The baseline, measured in the same run, streams a 16 MiB
object; the ratios compare the 1 GiB stream against it (memory) and against a plain file read of
the same bytes (throughput). With ``--s3`` it also streams from moto_server on loopback.

    .venv/bin/python benchmarks/storage.py [--size-mib 1024] [--s3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHUNK = 1024 * 1024


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _child(mode: str, root: str, key: str, options: str) -> dict[str, float]:
    from yarrow.storage import OpenDALStorage

    scheme, opts = ("fs", {"root": root}) if not options else ("s3", json.loads(options))
    storage = OpenDALStorage(scheme, opts, name=scheme)
    start_rss = _peak_rss_mib()
    started = time.perf_counter()
    total = 0
    if mode == "stream":
        async for chunk in storage.stream(key, chunk_size=CHUNK):
            total += len(chunk)
    elif mode == "load":
        total = len(await storage.load(key))
    elif mode == "raw":
        total = _read_plain_file(Path(root) / key)
    elapsed = time.perf_counter() - started
    return {
        "bytes": total,
        "seconds": elapsed,
        "rss_before": start_rss,
        "rss_peak": _peak_rss_mib(),
    }


def _read_plain_file(path: Path) -> int:
    total = 0
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            total += len(block)
    return total


def _run_child(mode: str, root: str, key: str, options: str = "") -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, root, key, options],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout))


async def _write(root: str, key: str, size_mib: int, options: str = "") -> None:
    from yarrow.storage import OpenDALStorage

    scheme, opts = ("fs", {"root": root}) if not options else ("s3", json.loads(options))
    storage = OpenDALStorage(scheme, opts, name=scheme)
    block = bytes(range(256)) * (CHUNK // 256)

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(size_mib):
            yield block

    await storage.save_stream(key, chunks())


def _report(label: str, result: dict[str, float], base: dict[str, float]) -> None:
    mib = result["bytes"] / CHUNK
    print(
        f"{label:<34} {mib:>7.0f} MiB  {result['seconds']:6.2f} s  "
        f"{mib / result['seconds']:7.0f} MiB/s  peak RSS {result['rss_peak']:6.1f} MiB  "
        f"(x{result['rss_peak'] / base['rss_peak']:.2f} of baseline)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--s3", action="store_true", help="also stream from moto_server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="yarrow-storage-bench-") as root:
        asyncio.run(_write(root, "small.bin", 16))
        asyncio.run(_write(root, "large.bin", args.size_mib))
        base = _run_child("stream", root, "small.bin")
        raw = _run_child("raw", root, "large.bin")
        large = _run_child("stream", root, "large.bin")
        whole = _run_child("load", root, "small.bin")
        print(f"python {sys.version.split()[0]}, chunk {CHUNK // 1024} KiB, fs backend")
        _report("baseline: stream 16 MiB (fs)", base, base)
        _report("plain file read (no storage)", raw, base)
        _report(f"stream {args.size_mib} MiB (fs)", large, base)
        _report("load() 16 MiB whole (fs)", whole, base)
        print(
            f"ratio peak RSS  stream large / baseline: {large['rss_peak'] / base['rss_peak']:.3f}"
        )
        print(
            f"ratio throughput stream / plain read:     "
            f"{(large['bytes'] / large['seconds']) / (raw['bytes'] / raw['seconds']):.3f}"
        )
        if args.s3:
            _bench_s3(args.size_mib, base)


def _bench_s3(size_mib: int, base: dict[str, float]) -> None:
    import socket

    import boto3

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="t",
            aws_secret_access_key="t",
        ).create_bucket(Bucket="bench")
        options = json.dumps(
            {
                "bucket": "bench",
                "endpoint": endpoint,
                "region": "us-east-1",
                "access_key_id": "t",
                "secret_access_key": "t",
                "disable_config_load": "true",
                "disable_ec2_metadata": "true",
            }
        )
        asyncio.run(_write("", "small.bin", 16, options))
        asyncio.run(_write("", "large.bin", size_mib, options))
        small = _run_child("stream", "", "small.bin", options)
        result = _run_child("stream", "", "large.bin", options)
        _report("baseline: stream 16 MiB (S3, moto)", small, small)
        _report(f"stream {size_mib} MiB (S3, moto)", result, small)
        print(
            f"ratio peak RSS  S3 stream large / S3 baseline: "
            f"{result['rss_peak'] / small['rss_peak']:.3f}"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(asyncio.run(_child(*sys.argv[2:6]))))
    else:
        main()
