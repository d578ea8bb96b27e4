"""Engine overhead per node on a 100-node chain (issue 9 target: <= 100 µs per node).

Baseline, measured in the same run: a plain Python loop awaiting the same node objects' ``run``
with the same pool writes, i.e. the work the nodes themselves do. Overhead per node =
(engine run time - baseline time) / nodes, in thread CPU time. Also reports a 10-wide fan-out,
and engine-only start->end "echo" runs at concurrency 1, 10 and 60 (wall time; the HTTP
benchmark is the API's).
Usage: ``python benchmarks/workflow_engine.py [--nodes 100] [--rounds 200]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from yarrow.workflow import Graph, VariablePool, WorkflowEngine, WorkflowServices
from yarrow.workflow.nodes import builtin_node_types
from yarrow.workflow.nodes.base import RunInfo

#: CPU time of this thread: the engine and the baseline run on one thread, and unlike wall time
#: it does not count the time other processes hold the CPU (the build machine is shared).
CLOCK = time.thread_time


def chain(n: int) -> Graph:
    nodes: list[dict[str, Any]] = [{"id": "s", "data": {"type": "start", "variables": []}}]
    previous = ["s", "x"]
    for i in range(n - 2):
        nodes.append(
            {"id": f"n{i}", "data": {"type": "variable-aggregator", "variables": [previous]}}
        )
        previous = [f"n{i}", "output"]
    nodes.append(
        {
            "id": "e",
            "data": {"type": "end", "outputs": [{"variable": "out", "value_selector": previous}]},
        }
    )
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    return Graph.parse({"nodes": nodes, "edges": edges})


def fan_out(width: int) -> Graph:
    nodes: list[dict[str, Any]] = [{"id": "s", "data": {"type": "start", "variables": []}}]
    edges = []
    for i in range(width):
        nodes.append(
            {"id": f"b{i}", "data": {"type": "variable-aggregator", "variables": [["s", "x"]]}}
        )
        edges += [{"source": "s", "target": f"b{i}"}, {"source": f"b{i}", "target": "e"}]
    nodes.append({"id": "e", "data": {"type": "end", "outputs": []}})
    return Graph.parse({"nodes": nodes, "edges": edges})


def echo() -> Graph:
    return Graph.parse(
        {
            "nodes": [
                {
                    "id": "s",
                    "data": {
                        "type": "start",
                        "variables": [{"variable": "x", "type": "text-input"}],
                    },
                },
                {
                    "id": "e",
                    "data": {
                        "type": "end",
                        "outputs": [{"variable": "x", "value_selector": ["s", "x"]}],
                    },
                },
            ],
            "edges": [{"source": "s", "target": "e"}],
        }
    )


async def echo_runs(concurrency: int, total: int) -> tuple[float, float]:
    """Engine-only start->end runs: (p50 latency in ms, runs per second) at ``concurrency``."""
    engine, graph = WorkflowEngine(), echo()
    latencies: list[float] = []

    async def worker(count: int) -> None:
        for _ in range(count):
            started = time.perf_counter()
            await engine.start(graph, inputs={"x": "hello"}).result()
            latencies.append(time.perf_counter() - started)

    await worker(50)  # warm-up
    latencies.clear()
    started = time.perf_counter()
    await asyncio.gather(*(worker(total // concurrency) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return statistics.median(latencies) * 1e3, len(latencies) / elapsed


class _Ctx:
    def __init__(self, pool: VariablePool) -> None:
        self.pool = pool
        self.services = WorkflowServices()
        self.run = RunInfo("bench")
        self.inputs = {"x": "hello"}
        self.graph: Graph | None = None

    async def stream(self, variable: str, text: str) -> None:
        return None


async def baseline(graph: Graph) -> float:
    """Await every node's run in topological order, storing outputs: no engine."""
    types = builtin_node_types()
    nodes = [types[graph.nodes[i].type](graph.nodes[i]) for i in graph.topological_order()]
    pool = VariablePool(system={})
    ctx = _Ctx(pool)
    started = CLOCK()
    for node in nodes:
        result = await node.run(ctx)  # type: ignore[arg-type]
        pool.add_outputs(node.spec.id, result.outputs)
    return CLOCK() - started


async def engine_run(engine: WorkflowEngine, graph: Graph) -> float:
    started = CLOCK()
    result = await engine.start(graph, inputs={"x": "hello"}).result()
    elapsed = CLOCK() - started
    assert result.status == "succeeded", result.error
    return elapsed


async def measure(graph: Graph, rounds: int) -> tuple[float, float]:
    engine = WorkflowEngine()
    for _ in range(10):  # warm-up
        await baseline(graph)
        await engine_run(engine, graph)
    base = [await baseline(graph) for _ in range(rounds)]
    full = [await engine_run(engine, graph) for _ in range(rounds)]
    return statistics.median(base), statistics.median(full)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    print(f"{'scenario':<22}{'baseline ms':>12}{'engine ms':>11}{'ratio':>8}{'µs/node':>10}")
    for name, graph in [(f"chain {args.nodes}", chain(args.nodes)), ("fan-out 10", fan_out(10))]:
        base, full = await measure(graph, args.rounds)
        count = len(graph.nodes)
        overhead = (full - base) / count * 1e6
        print(
            f"{name:<22}{base * 1e3:>12.3f}{full * 1e3:>11.3f}{full / base:>8.1f}{overhead:>10.1f}"
        )
    print(f"\n{'echo start->end':<22}{'p50 ms':>12}{'runs/s':>11}")
    for concurrency in (1, 10, 60):
        p50, rate = await echo_runs(concurrency, 3000 - 3000 % concurrency)
        print(f"{'concurrency ' + str(concurrency):<22}{p50:>12.3f}{rate:>11.0f}")


if __name__ == "__main__":
    asyncio.run(main())
