"""Score normalisation shared by every backend: one ``score_threshold`` means one thing.

Vector search
    ``score = clamp(cosine_similarity, 0, 1)``, i.e. ``1 - cosine_distance`` clipped at 0. For
    the unit-length embeddings Yarrow stores this is the value Dify's PGVector, Milvus and Weaviate
    backends report, so Dify thresholds carry over; opposite vectors score 0 instead of going
    negative. Backends only return distances; this module turns them into scores.

Full-text search
    Engines rank with different functions (BM25, ``ts_rank``, ...) on different scales, so the
    engine's ranking only chooses and orders candidates. The score is the *query-term coverage*:
    the fraction of distinct query terms that occur in the text, using :func:`terms`. A chunk
    holding every term scores 1.0, half of them 0.5. Ties keep the engine's order.

Tokenisation (:func:`terms`) lower-cases and splits on anything that is not a letter or digit
(underscores split too), dropping tokens longer than 40 characters, which matches the engines'
simple tokenisers (LanceDB ``simple``, PostgreSQL ``simple`` text-search configuration). Scripts
without spaces (CJK) form one term per run; full-text search over them is weak on every backend.
"""

from __future__ import annotations

import re

TOKEN_RE = re.compile(r"[^\W_]+")
MAX_TERM_LENGTH = 40
MAX_QUERY_TERMS = 64


def cosine_score(distance: float) -> float:
    """Score in [0, 1] for a cosine distance (``1 - cosine similarity``)."""
    return min(1.0, max(0.0, 1.0 - distance))


def terms(text: str) -> list[str]:
    """Distinct lower-cased terms of ``text`` in first-seen order (at most 64)."""
    seen: dict[str, None] = {}
    for token in TOKEN_RE.findall(text.lower()):
        if len(token) <= MAX_TERM_LENGTH:
            seen.setdefault(token, None)
            if len(seen) >= MAX_QUERY_TERMS:
                break
    return list(seen)


def coverage_score(query_terms: list[str], text: str) -> float:
    """Fraction of ``query_terms`` present in ``text`` (0 when there are no query terms)."""
    if not query_terms:
        return 0.0
    present = {token for token in TOKEN_RE.findall(text.lower())}
    return sum(1 for term in query_terms if term in present) / len(query_terms)


__all__ = ["MAX_QUERY_TERMS", "cosine_score", "coverage_score", "terms"]
