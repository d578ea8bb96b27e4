"""Dify's ``retrieval_model`` object, parsed and checked once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yarrow.errors import InvalidInput

SEARCH_METHODS = ("semantic_search", "full_text_search", "hybrid_search", "keyword_search")
MAX_TOP_K = 100


@dataclass(frozen=True, slots=True)
class RetrievalConfig:
    """How to search: method, top_k, threshold (applied after fusion) and hybrid weights."""

    search_method: str = "semantic_search"
    top_k: int = 4
    score_threshold_enabled: bool = False
    score_threshold: float = 0.0
    vector_weight: float = 0.7
    keyword_weight: float = 0.3
    reranking_enable: bool = False

    @property
    def threshold(self) -> float:
        """The threshold in force (0 when disabled)."""
        return self.score_threshold if self.score_threshold_enabled else 0.0

    @classmethod
    def from_dify(cls, data: Any, base: RetrievalConfig | None = None) -> RetrievalConfig:
        """Parse ``retrieval_model``; missing fields come from ``base`` (or the defaults)."""
        base = base or cls()
        if data is None:
            return base
        if not isinstance(data, Mapping):
            raise InvalidInput("retrieval_model must be an object.", params="retrieval_model")
        method = data.get("search_method", base.search_method)
        if method not in SEARCH_METHODS:
            raise InvalidInput(
                f"search_method must be one of {', '.join(SEARCH_METHODS)}.",
                params="retrieval_model",
            )
        top_k = data.get("top_k", base.top_k)
        if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
            raise InvalidInput(f"top_k must be an integer between 1 and {MAX_TOP_K}.")
        enabled = bool(data.get("score_threshold_enabled", base.score_threshold_enabled))
        threshold = data.get("score_threshold", base.score_threshold)
        threshold = 0.0 if threshold is None else threshold
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not 0 <= threshold <= 1
        ):
            raise InvalidInput("score_threshold must be a number between 0 and 1.")
        vector_weight, keyword_weight = base.vector_weight, base.keyword_weight
        weights = data.get("weights")
        if isinstance(weights, Mapping):
            vector = weights.get("vector_setting") or {}
            keyword = weights.get("keyword_setting") or {}
            vector_weight = float(vector.get("vector_weight", vector_weight))
            keyword_weight = float(keyword.get("keyword_weight", keyword_weight))
            if vector_weight < 0 or keyword_weight < 0 or vector_weight + keyword_weight <= 0:
                raise InvalidInput("Hybrid weights must be non-negative and not both zero.")
        return cls(
            search_method="full_text_search" if method == "keyword_search" else method,
            top_k=top_k,
            score_threshold_enabled=enabled,
            score_threshold=float(threshold),
            vector_weight=vector_weight,
            keyword_weight=keyword_weight,
            reranking_enable=bool(data.get("reranking_enable", base.reranking_enable)),
        )

    def to_dify(self) -> dict[str, Any]:
        """Dify's JSON shape (as stored on the dataset and returned by the API)."""
        return {
            "search_method": self.search_method,
            "reranking_enable": self.reranking_enable,
            "reranking_mode": "weighted_score" if self.search_method == "hybrid_search" else None,
            "reranking_model": {"reranking_provider_name": "", "reranking_model_name": ""},
            "weights": {
                "weight_type": "customized",
                "vector_setting": {
                    "vector_weight": self.vector_weight,
                    "embedding_provider_name": "",
                    "embedding_model_name": "",
                },
                "keyword_setting": {"keyword_weight": self.keyword_weight},
            },
            "top_k": self.top_k,
            "score_threshold_enabled": self.score_threshold_enabled,
            "score_threshold": self.score_threshold,
        }
