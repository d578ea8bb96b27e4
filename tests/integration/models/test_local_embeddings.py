"""Local MiniLM embeddings (packaged int8 ONNX model + packaged tokenizer, ONNX Runtime)."""

from __future__ import annotations

import math

import pytest

from yarrow.models import ModelRuntime, ModelTimeoutError


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def embedder(local_runtime: ModelRuntime):
    return local_runtime.embedding_model("local", {}, "all-MiniLM-L6-v2")


async def test_vectors_are_unit_length_384_floats(embedder):
    result = await embedder.embed(["A short sentence.", "Another one, a little longer."])
    assert result.dimension == 384 and len(result.vectors) == 2
    assert all(len(v) == 384 for v in result.vectors)
    assert all(math.isclose(math.sqrt(cosine(v, v)), 1.0, abs_tol=1e-4) for v in result.vectors)
    assert result.usage.prompt_tokens > 8 and not result.usage.estimated
    assert result.model == "all-MiniLM-L6-v2"


async def test_embeddings_are_deterministic(embedder):
    text = ["The lighthouse keeper trimmed the lamp at dusk."]
    first = await embedder.embed(text)
    second = await embedder.embed(text)
    assert first.vectors == second.vectors


async def test_related_pairs_score_higher_than_unrelated(embedder):
    pairs = [
        (
            "A cat is sleeping on the sofa.",
            "A kitten naps on the couch.",
            "The central bank raised interest rates.",
        ),
        (
            "How do I reset my password?",
            "I forgot my login credentials.",
            "Tomatoes grow best in full sun.",
        ),
        (
            "The train to Berlin is delayed.",
            "Rail services to Germany are running late.",
            "She plays the cello beautifully.",
        ),
    ]
    for anchor, related, unrelated in pairs:
        vectors = (await embedder.embed([anchor, related, unrelated])).vectors
        near, far = cosine(vectors[0], vectors[1]), cosine(vectors[0], vectors[2])
        assert near > far + 0.2, (anchor, near, far)


async def test_batching_does_not_change_vectors(embedder):
    texts = [f"Document number {i} talks about topic {i % 7}." for i in range(150)]
    together = (await embedder.embed(texts)).vectors  # three internal batches of 64
    alone = (await embedder.embed([texts[100]])).vectors[0]
    assert len(together) == 150
    assert cosine(together[100], alone) > 0.9999


async def test_long_text_is_truncated_not_refused(embedder):
    result = await embedder.embed(["word " * 5000])
    assert result.usage.prompt_tokens == 256


async def test_empty_input_gives_no_vectors(embedder):
    result = await embedder.embed([])
    assert result.vectors == [] and result.dimension == 384


async def test_embedding_timeout_is_typed(local_runtime):
    model = local_runtime.embedding_model("local", {}, "all-MiniLM-L6-v2", timeout=0.001)
    with pytest.raises(ModelTimeoutError):
        await model.embed(["text " * 100] * 32)
