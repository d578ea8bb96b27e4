"""Score normalisation shared by every backend."""

from __future__ import annotations

import pytest

from yarrow.vectorstores.scoring import MAX_QUERY_TERMS, cosine_score, coverage_score, terms


@pytest.mark.parametrize(
    ("distance", "score"),
    [(0.0, 1.0), (0.2, 0.8), (1.0, 0.0), (1.5, 0.0), (2.0, 0.0), (-1e-7, 1.0)],
)
def test_cosine_score_is_clamped_similarity(distance: float, score: float) -> None:
    assert cosine_score(distance) == pytest.approx(score)


def test_terms_lowercase_split_on_non_alphanumerics_and_dedupe() -> None:
    assert terms("Helm, helm! HELM_chart k8s-v1.2 'quoted'") == [
        "helm",
        "chart",
        "k8s",
        "v1",
        "2",
        "quoted",
    ]
    assert terms("Café naïve") == ["café", "naïve"]
    assert terms("?!. --") == []


def test_terms_drop_long_tokens_and_cap_count() -> None:
    assert terms("a" * 41 + " ok") == ["ok"]
    many = " ".join(f"w{i}" for i in range(200))
    assert len(terms(many)) == MAX_QUERY_TERMS


def test_coverage_is_fraction_of_query_terms_present() -> None:
    query = terms("kubernetes helm chart")
    assert coverage_score(query, "Helm charts and Kubernetes") == pytest.approx(2 / 3)
    assert coverage_score(query, "kubernetes helm chart") == 1.0
    assert coverage_score(query, "nothing here") == 0.0
    assert coverage_score([], "anything") == 0.0
