"""Ingestion throughput: chunks/s through the whole pipeline versus the raw embedding model.

Baseline, measured in the same run with the same model: ``embed()`` of the same chunk texts in
batches of 64 (what the model alone can do). Then the pipeline end to end for the same texts as
one document: record, split, store segments, embed (cache empty), upsert into the embedded
LanceDB store, mark progress. Ratio = pipeline chunks/s / raw chunks/s (target >= 0.8).
A second pipeline run over a copy of the document measures re-indexing from the SQL embedding
cache (no model calls). Text is real prose (this repository's documentation), not random.
Run: `.venv/bin/python benchmarks/ingest.py [--chunks 1000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import time
from pathlib import Path

from yarrow.db.migrate import upgrade_to_head
from yarrow.db.models import Tenant
from yarrow.entrypoints.wiring import build_process
from yarrow.models import ModelType
from yarrow.services.knowledge import DocumentSource
from yarrow.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]


def corpus(count: int) -> list[str]:
    """``count`` distinct paragraphs of real text from docs/ and the reference notes."""
    sources = sorted((ROOT / "docs").glob("*.md")) + sorted(
        (ROOT.parent / "shared" / "reference").glob("*.md")
    )
    seen: dict[str, None] = {}
    for path in sources:
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            text = " ".join(block.split())
            if 80 <= len(text) <= 480:
                seen.setdefault(text, None)
    paragraphs = list(seen)
    if len(paragraphs) < count:
        paragraphs = [f"{p} ({i})" for i in range(count // len(paragraphs) + 1) for p in paragraphs]
    return paragraphs[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        environ = {"SECRET_KEY": secrets.token_urlsafe(32), "YARROW_DATA_DIR": tmp}
        settings = load_settings(embedded=True, environ=environ, env_file=None)
        process = build_process(settings)
        upgrade_to_head(process.database)
        knowledge = process.services.knowledge
        knowledge.datasets.dispatch = lambda _document_id: None
        with process.database.transaction() as session:
            tenant = Tenant(name="bench")
            session.add(tenant)
            session.flush()
            tenant_id = tenant.id
        texts = corpus(args.chunks)

        async def raw() -> float:
            choice = await process.services.model_providers.default_model(
                tenant_id, ModelType.TEXT_EMBEDDING
            )
            model = process.services.runtime.embedding_model(choice.provider, {}, choice.model)
            await model.embed(texts[:8])  # load the model outside the timing
            started = time.perf_counter()
            for start in range(0, len(texts), 64):
                await model.embed(texts[start : start + 64])
            return time.perf_counter() - started

        raw_seconds = asyncio.run(raw())
        rule = {
            "mode": "custom",
            "rules": {
                "pre_processing_rules": [],
                "segmentation": {"separator": "\\n\\n", "max_tokens": 500},
            },
        }
        text = "\n\n".join(texts)

        def pipeline(name: str) -> tuple[float, int]:
            dataset = knowledge.datasets.create(tenant_id, "bench", {"name": name})
            started = time.perf_counter()
            doc = knowledge.datasets.add_document(
                tenant_id,
                "bench",
                dataset.id,
                DocumentSource(name=f"{name}.txt", text=text),
                {"indexing_technique": "high_quality", "process_rule": rule},
            )
            knowledge.index_document(doc.id)
            elapsed = time.perf_counter() - started
            row = knowledge.datasets.document(tenant_id, dataset.id, doc.id)
            assert row.indexing_status == "completed", row.error
            return elapsed, row.total_segments

        knowledge.vectors.store  # noqa: B018 - open LanceDB outside the timing
        calls = knowledge.embeddings.provider_calls
        first, chunks = pipeline("first")
        model_calls = knowledge.embeddings.provider_calls - calls
        cached, _ = pipeline("cached")
        print(f"chunks: {chunks} (raw embedding baseline over {len(texts)} texts)")
        print(f"raw model:        {len(texts) / raw_seconds:8.1f} chunks/s ({raw_seconds:.2f} s)")
        print(
            f"pipeline, cold:   {chunks / first:8.1f} chunks/s ({first:.2f} s, {model_calls} calls)"
        )
        print(f"pipeline, cached: {chunks / cached:8.1f} chunks/s ({cached:.2f} s, 0 model calls)")
        print(
            f"ratio cold pipeline / raw model: {(chunks / first) / (len(texts) / raw_seconds):.2f}"
        )
        knowledge.vectors.close()
        process.database.dispose()


if __name__ == "__main__":
    main()
