"""LanceDB specifics: ANN index built once large enough, persistence, other processes' writes."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from yarrow.vectorstores import Eq, VectorRecord
from yarrow.vectorstores.lancedb import LanceDBVectorStore


def clustered(count: int, dim: int, seed: int) -> list[VectorRecord]:
    """Points around 40 random centres: realistic neighbourhoods, unlike uniform noise."""
    rng = random.Random(seed)
    centres = [[rng.gauss(0, 1) for _ in range(dim)] for _ in range(40)]
    records = []
    for i in range(count):
        centre = centres[i % len(centres)]
        vector = tuple(c + rng.gauss(0, 0.35) for c in centre)
        records.append(VectorRecord(f"p{i}", f"doc{i % 40}", f"point {i}", vector, {"i": i}))
    return records


def cosine(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


@pytest.mark.slow
def test_ann_index_is_built_once_large_enough_and_keeps_recall(tmp_path: Path) -> None:
    store = LanceDBVectorStore(tmp_path / "db", ann_min_rows=2000, nprobes=8, refine_factor=4)
    records = clustered(3000, 32, seed=1)
    store.create_collection("ann", 32)
    store.upsert("ann", records[:1500])
    store.optimize("ann")
    assert not store.has_ann_index("ann")  # 1500 rows: still exact search
    store.upsert("ann", records[1500:])
    store.optimize("ann")
    assert store.has_ann_index("ann")
    rng = random.Random(9)
    found = 0
    for _ in range(20):
        base = rng.choice(records).vector
        query = tuple(v + rng.gauss(0, 0.1) for v in base)
        exact = sorted(records, key=lambda r: -cosine(r.vector, query))[:10]
        hits = store.search_by_vector("ann", query, top_k=10)
        found += len({h.id for h in hits} & {r.id for r in exact})
        # refine_factor re-ranks with exact distances: scores are exact cosines
        for hit in hits:
            vector = records[int(hit.id[1:])].vector
            assert hit.score == pytest.approx(max(0.0, cosine(vector, query)), abs=1e-4)
    assert found / 200 >= 0.9
    filtered = store.search_by_vector(
        "ann", records[0].vector, top_k=5, filter=Eq("document_id", "doc3")
    )
    assert len(filtered) == 5 and all(h.document_id == "doc3" for h in filtered)
    store.upsert("ann", [VectorRecord("late", "docx", "late arrival", records[7].vector)])
    assert "late" in {h.id for h in store.search_by_vector("ann", records[7].vector, top_k=3)}
    store.optimize("ann")  # folds the new row into the index; does not rebuild
    assert store.count("ann") == 3001


def test_data_persists_and_other_instances_see_writes(tmp_path: Path) -> None:
    first = LanceDBVectorStore(tmp_path / "db")
    first.create_collection("shared", 2)
    second = LanceDBVectorStore(tmp_path / "db")
    assert second.has_collection("shared")
    first.upsert("shared", [VectorRecord("a", "d", "alpha", (1.0, 0.0))])
    assert second.count("shared") == 1
    assert [h.id for h in second.search_by_full_text("shared", "alpha")] == ["a"]
    first.close()
    third = LanceDBVectorStore(tmp_path / "db")
    assert third.count("shared") == 1


def test_path_that_cannot_be_created_is_unhealthy(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = LanceDBVectorStore(blocker / "db")
    status = store.health()
    assert not status.ok and "file" in status.detail
