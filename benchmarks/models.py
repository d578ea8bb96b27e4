"""Model runtime benchmark: local chat tokens/s, embedding passages/s, RSS.

Every figure is printed next to a baseline measured in the same run on the same machine:
- chat through ``ModelRuntime`` vs. the same llama.cpp child called directly with the ``openai``
  SDK (the ratio is the runtime's overhead: retries wrapper, breaker, usage accounting);
- embeddings through ``ModelRuntime`` vs. the same int8 ONNX model run directly with
  ``onnxruntime`` + ``tokenizers`` (the ratio shows our overhead: thread hop, pooling, lists).

Run: ``.venv/bin/python benchmarks/models.py [--tokens 64] [--runs 3] [--passages 500]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import openai

from yarrow.models import ChatMessage, ChatOptions, ModelRuntime, ProviderContext
from yarrow.models.providers.local.minilm import packaged_model_path, packaged_tokenizer_path
from yarrow.models.providers.local.provider import LocalProvider
from yarrow.settings.models import ModelSettings

WORDS = [
    "river",
    "mountain",
    "data",
    "model",
    "server",
    "city",
    "garden",
    "market",
    "engine",
    "window",
    "music",
    "paper",
    "teacher",
    "storm",
    "bridge",
    "coffee",
    "signal",
    "planet",
    "forest",
    "harbour",
    "library",
    "doctor",
    "train",
    "kitchen",
    "network",
    "winter",
    "summer",
    "travel",
    "museum",
    "battery",
    "software",
    "cloud",
    "language",
]
PROMPT = [ChatMessage(role="user", content="Write a short story about a lighthouse keeper.")]


def passages(count: int) -> list[str]:
    rng = random.Random(0)
    return [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 24))) + "." for _ in range(count)
    ]


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def chat_rates(
    runtime: ModelRuntime, base_url: str, key: str, tokens: int, runs: int
) -> tuple[float, float, float]:
    """Median tokens/s through the runtime and through the bare openai SDK (interleaved, so
    load from other processes hits both alike), and the runtime's time to first delta."""
    model = runtime.chat_model("local", {}, "gemma-3-270m")
    options = ChatOptions(max_tokens=tokens, temperature=0.7, seed=1)
    ours, direct = [], []
    async with openai.AsyncOpenAI(base_url=base_url, api_key=key, max_retries=0) as client:
        for _ in range(runs):
            started = time.perf_counter()
            answer = await client.chat.completions.create(
                model="gemma-3-270m",
                messages=[{"role": "user", "content": PROMPT[0].text()}],
                max_tokens=tokens,
                temperature=0.7,
                seed=1,
            )
            assert answer.usage is not None
            direct.append(answer.usage.completion_tokens / (time.perf_counter() - started))
            started = time.perf_counter()
            result = await model.chat(PROMPT, options)
            ours.append(result.usage.completion_tokens / (time.perf_counter() - started))
    started = time.perf_counter()
    ttft = 0.0
    async for delta in model.stream(PROMPT, options):
        if delta.content and not ttft:
            ttft = time.perf_counter() - started
    return statistics.median(ours), statistics.median(direct), ttft


def embed_raw(texts: list[str], batch: int) -> float:
    """passages/s of the bare ONNX model (same tokenizer, pooling and normalisation)."""
    import onnxruntime
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(packaged_tokenizer_path()))
    tokenizer.enable_truncation(max_length=256)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    session = onnxruntime.InferenceSession(
        str(packaged_model_path()), sess_options=options, providers=["CPUExecutionProvider"]
    )
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        enc = tokenizer.encode_batch(texts[start : start + batch])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        hidden = session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        pooled = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    return len(texts) / (time.perf_counter() - started)


async def embed_runtime(runtime: ModelRuntime, texts: list[str]) -> float:
    model = runtime.embedding_model("local", {}, "all-MiniLM-L6-v2")
    await model.embed(texts[:8])  # load the session outside the timing
    started = time.perf_counter()
    await model.embed(texts)
    return len(texts) / (time.perf_counter() - started)


async def main(tokens: int, count: int, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="yarrow-bench-") as data:
        settings = ModelSettings(yarrow_model_timeout=600, yarrow_model_max_retries=0)
        runtime = ModelRuntime(ProviderContext(settings=settings, data_dir=Path(data)))
        provider = runtime.provider("local")
        assert isinstance(provider, LocalProvider)
        rss_idle = rss_mb()
        started = time.perf_counter()
        base_url = await asyncio.to_thread(provider.supervisor.ensure_running)
        report(
            f"local chat cold start (GGUF assembly + child ready): "
            f"{time.perf_counter() - started:.2f} s"
        )
        try:
            key = provider.supervisor.api_key
            await chat_rates(runtime, base_url, key, 8, 1)  # warm-up
            ours, direct, ttft = await chat_rates(runtime, base_url, key, tokens, runs)
            report(
                f"local chat, {tokens} tokens x{runs}: runtime {ours:.1f} tok/s, direct openai "
                f"SDK {direct:.1f} tok/s, ratio {ours / direct:.3f}; "
                f"stream first delta {ttft * 1000:.0f} ms"
            )
            report(f"RSS: llama.cpp child {rss_mb(provider.supervisor.pid or 0):.0f} MB")
            texts = passages(count)
            raw = embed_raw(texts, 64)
            wrapped = await embed_runtime(runtime, texts)
            report(
                f"embeddings, {count} passages (batch 64): runtime {wrapped:.0f} passages/s, "
                f"raw ONNX {raw:.0f} passages/s, ratio {wrapped / raw:.3f}"
            )
            rss_after = rss_mb()
        finally:
            await runtime.aclose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report(
        f"RSS: this process idle {rss_idle:.0f} MB, after embeddings {rss_after:.0f} MB "
        f"(peak {peak:.0f} MB, includes the raw baseline)"
    )
    report(f"load average at end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def report(line: str) -> None:
    print(line, flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--passages", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.tokens, args.passages, args.runs))
