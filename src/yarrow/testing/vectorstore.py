"""Conformance suite every :class:`~yarrow.vectorstores.VectorStore` backend must pass.

Subclass :class:`VectorStoreConformance` in a test module (name the subclass ``Test...``) and
provide two fixtures:

* ``store``: a working store (it may be shared between tests; each test uses its own collection
  and drops it afterwards);
* ``unreachable_store``: the same backend pointed at something that is down.

Needs ``pytest`` (a test dependency); import it only from tests.
"""

from __future__ import annotations

import math
import random
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from yarrow.errors import InvalidInput
from yarrow.vectorstores import (
    And,
    CollectionNotFound,
    DimensionMismatch,
    Eq,
    Filter,
    In,
    InvalidCollectionName,
    InvalidFilter,
    InvalidRecord,
    Not,
    Or,
    Range,
    VectorRecord,
    VectorStore,
    VectorStoreUnavailable,
)

TOL = 1e-5
Q = (1.0, 0.0, 0.0, 0.0)

#: Five records with hand-picked vectors: cosine to ``Q`` is a 1.0, b 0.8, e 0.6, c 0.0, d -1.0.
BASIC = [
    VectorRecord(
        "a",
        "d1",
        "Kubernetes runs containers in pods",
        (1.0, 0.0, 0.0, 0.0),
        {"lang": "en", "n": 3, "flag": True, "ratio": 0.5},
    ),
    VectorRecord(
        "b",
        "d1",
        "Helm charts package Kubernetes applications",
        (0.8, 0.6, 0.0, 0.0),
        {"lang": "en", "n": 5, "flag": False},
    ),
    VectorRecord(
        "c",
        "d2",
        "PostgreSQL stores relational data",
        (0.0, 1.0, 0.0, 0.0),
        {"lang": "de", "n": "5"},
    ),
    VectorRecord("d", "d3", "Opposite direction vector", (-1.0, 0.0, 0.0, 0.0), {}),
    VectorRecord(
        "e",
        "d2",
        "Café crème and a naïve résumé",
        (0.6, 0.0, 0.8, 0.0),
        {"lang": "fr", "note": 'it\'s "quoted" \\ back', "none": None},
    ),
]
ALL_IDS = {"a", "b", "c", "d", "e"}

FILTER_CASES: list[tuple[Filter, set[str]]] = [
    (Eq("document_id", "d1"), {"a", "b"}),
    (In("document_id", ("d1", "d3")), {"a", "b", "d"}),
    (In("document_id", ()), set()),
    (Eq("id", "c"), {"c"}),
    (In("id", ("a", "e", "zz")), {"a", "e"}),
    (Eq("lang", "en"), {"a", "b"}),
    (Eq("n", 5), {"b"}),
    (Eq("n", 5.0), {"b"}),
    (Eq("n", "5"), {"c"}),
    (Eq("flag", True), {"a"}),
    (Eq("flag", False), {"b"}),
    (Eq("ratio", 0.5), {"a"}),
    (In("n", (3, "5")), {"a", "c"}),
    (In("lang", ("de", "fr")), {"c", "e"}),
    (Range("n", gte=3, lt=5), {"a"}),
    (Range("n", gt=4), {"b"}),
    (Range("ratio", gt=0.25, lte=0.5), {"a"}),
    (Not(Eq("lang", "en")), {"c", "d", "e"}),
    (Not(Range("n", gt=0)), {"c", "d", "e"}),
    (And((Eq("lang", "en"), Range("n", gt=4))), {"b"}),
    (Or((Eq("lang", "de"), Eq("flag", True))), {"a", "c"}),
    (And(()), ALL_IDS),
    (Or(()), set()),
    (Eq("note", 'it\'s "quoted" \\ back'), {"e"}),
    (Eq("none", "None"), set()),
    (Eq("missing", "x"), set()),
    (Not(Eq("missing", "x")), ALL_IDS),
]

INJECTION_VALUES = [
    "' OR '1'='1",
    "x'; DROP TABLE t; --",
    '" OR 1=1 --',
    "d1' OR document_id <> '",
    ") OR (1=1",
    "%",
    "_",
    "*",
    "\\",
    "\\' OR 1=1 --",
    "$.lang",
    "'; DELETE FROM yarrow_vector_collections; --",
    "a\nb",
    "\u2028",
    "{}",
]

TEXT_QUERIES_WITH_SYNTAX = [
    '"kubernetes" AND (helm',
    "kubernetes' OR 1=1 --",
    "helm | ! & : * <-> kubernetes",
    "NEAR(kubernetes helm)",
    "\\ kubernetes \\",
    "kubernetes:* & !helm",
    "title:kubernetes OR +helm -pods",
    "'; DROP TABLE x; --",
]


def _cosine(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def _random_records(count: int, dim: int, seed: int) -> list[VectorRecord]:
    rng = random.Random(seed)
    return [
        VectorRecord(
            f"r{i:05d}",
            f"doc{i % 7}",
            f"record number {i}",
            tuple(rng.gauss(0.0, 1.0) for _ in range(dim)),
            {"i": i},
        )
        for i in range(count)
    ]


class VectorStoreConformance:
    """The shared behaviour contract; see the module docstring for how to use it."""

    # ------------------------------------------------------------------ fixtures
    @pytest.fixture
    def collection(self, store: VectorStore) -> Iterator[str]:
        """A fresh, empty 4-dimensional collection, dropped after the test."""
        name = f"conf_{uuid.uuid4().hex}"
        store.create_collection(name, 4)
        yield name
        store.drop_collection(name)

    @pytest.fixture
    def filled(self, store: VectorStore, collection: str) -> str:
        """The ``collection`` holding :data:`BASIC`."""
        store.upsert(collection, BASIC)
        return collection

    def _ids(self, hits: list[Any]) -> list[str]:
        return [h.id for h in hits]

    # ------------------------------------------------------------------ collections
    def test_capabilities_are_declared(self, store: VectorStore) -> None:
        caps = store.capabilities
        assert isinstance(store.name, str) and store.name
        assert caps.max_dimension >= 384

    def test_create_collection_is_idempotent_and_listed(
        self, store: VectorStore, collection: str
    ) -> None:
        store.create_collection(collection, 4)
        assert store.has_collection(collection)
        assert store.dimension(collection) == 4
        assert collection in store.list_collections()
        assert store.count(collection) == 0

    def test_create_collection_with_other_dimension_raises(
        self, store: VectorStore, collection: str
    ) -> None:
        with pytest.raises(DimensionMismatch):
            store.create_collection(collection, 8)
        assert store.dimension(collection) == 4

    def test_collection_names_are_case_insensitive(self, store: VectorStore) -> None:
        name = f"Vector_index_{uuid.uuid4().hex}_Node"
        store.create_collection(name, 4)
        try:
            assert store.has_collection(name.lower())
            assert name.lower() in store.list_collections()
            store.upsert(name.upper(), BASIC[:1])
            assert store.count(name) == 1
        finally:
            store.drop_collection(name)
        assert not store.has_collection(name)

    def test_long_collection_name_works(self, store: VectorStore) -> None:
        name = "c" + uuid.uuid4().hex * 3 + "x" * 30
        store.create_collection(name, 4)
        try:
            store.upsert(name, BASIC)
            assert store.count(name) == 5
            assert name.lower() in store.list_collections()
        finally:
            store.drop_collection(name)

    @pytest.mark.parametrize(
        "bad",
        ["", "1abc", "a-b", "a b", "x;drop table y", "../etc", "a" * 129, "é", "a.b", "t'x"],
    )
    def test_invalid_collection_names_are_rejected(self, store: VectorStore, bad: str) -> None:
        with pytest.raises(InvalidCollectionName):
            store.create_collection(bad, 4)
        with pytest.raises(InvalidCollectionName):
            store.search_by_vector(bad, Q)

    @pytest.mark.parametrize("dim", [0, -1, True, 1.5, 10**9])
    def test_invalid_dimensions_are_rejected(self, store: VectorStore, dim: Any) -> None:
        with pytest.raises(InvalidInput):
            store.create_collection(f"conf_{uuid.uuid4().hex}", dim)

    def test_missing_collection(self, store: VectorStore) -> None:
        name = f"missing_{uuid.uuid4().hex}"
        assert not store.has_collection(name)
        for call in (
            lambda: store.search_by_vector(name, Q),
            lambda: store.search_by_full_text(name, "kubernetes"),
            lambda: store.upsert(name, BASIC),
            lambda: store.count(name),
            lambda: list(store.iter_records(name)),
            lambda: store.dimension(name),
        ):
            with pytest.raises(CollectionNotFound):
                call()
        store.delete(name, ["a"])
        store.delete_by_document(name, ["d1"])
        store.drop_collection(name)
        assert not store.has_collection(name)

    def test_collections_are_isolated(self, store: VectorStore, filled: str) -> None:
        other = f"conf_{uuid.uuid4().hex}"
        store.create_collection(other, 4)
        try:
            assert store.count(other) == 0
            assert store.search_by_vector(other, Q) == []
            store.upsert(other, BASIC[:1])
            store.delete_by_document(other, ["d1"])
            assert store.count(filled) == 5
        finally:
            store.drop_collection(other)

    def test_drop_then_recreate_with_other_dimension(self, store: VectorStore, filled: str) -> None:
        store.drop_collection(filled)
        assert not store.has_collection(filled)
        assert filled not in store.list_collections()
        store.create_collection(filled, 3)
        assert store.dimension(filled) == 3
        assert store.count(filled) == 0
        with pytest.raises(DimensionMismatch):
            store.upsert(filled, BASIC[:1])

    # ------------------------------------------------------------------ writes
    def test_upsert_and_count(self, store: VectorStore, filled: str) -> None:
        assert store.count(filled) == 5

    def test_upsert_is_idempotent_and_replaces(self, store: VectorStore, filled: str) -> None:
        store.upsert(filled, BASIC)
        assert store.count(filled) == 5
        changed = VectorRecord("d", "d9", "Moved record", (1.0, 0.0, 0.0, 0.0), {"lang": "xx"})
        store.upsert(filled, [changed])
        assert store.count(filled) == 5
        hits = store.search_by_vector(filled, Q, top_k=5)
        by_id = {h.id: h for h in hits}
        assert by_id["d"].score == pytest.approx(1.0, abs=TOL)
        assert by_id["d"].text == "Moved record"
        assert by_id["d"].document_id == "d9"
        assert dict(by_id["d"].metadata) == {"lang": "xx"}
        assert store.count(filled, Eq("document_id", "d3")) == 0

    def test_identical_texts_stay_distinct_records(
        self, store: VectorStore, collection: str
    ) -> None:
        twins = [
            VectorRecord("seg-1", "d1", "same text", (1.0, 0.0, 0.0, 0.0)),
            VectorRecord("seg-2", "d2", "same text", (1.0, 0.0, 0.0, 0.0)),
        ]
        store.upsert(collection, twins)
        assert store.count(collection) == 2
        hits = store.search_by_vector(collection, Q, top_k=5)
        assert self._ids(hits) == ["seg-1", "seg-2"]
        store.delete(collection, ["seg-1"])
        assert self._ids(store.search_by_vector(collection, Q)) == ["seg-2"]

    def test_empty_upsert_is_a_no_op(self, store: VectorStore, filled: str) -> None:
        store.upsert(filled, [])
        assert store.count(filled) == 5

    @pytest.mark.parametrize(
        ("record", "error"),
        [
            (VectorRecord("", "d", "t", (1.0, 0, 0, 0)), InvalidRecord),
            (VectorRecord("x\x00", "d", "t", (1.0, 0, 0, 0)), InvalidRecord),
            (VectorRecord("x", "", "t", (1.0, 0, 0, 0)), InvalidRecord),
            (VectorRecord("x", "d", "t\x00", (1.0, 0, 0, 0)), InvalidRecord),
            (VectorRecord("x", "d", "t", (float("nan"), 0, 0, 0)), InvalidRecord),
            (VectorRecord("x", "d", "t", (float("inf"), 0, 0, 0)), InvalidRecord),
            (VectorRecord("x", "d", "t", (0.0, 0.0, 0.0, 0.0)), InvalidRecord),
            (VectorRecord("x", "d", "t", (1.0, 0, 0)), DimensionMismatch),
            (VectorRecord("x", "d", "t", (1.0, 0, 0, 0, 0)), DimensionMismatch),
            (VectorRecord("x", "d", "t", (1.0, 0, 0, 0), {"k": [1, 2]}), InvalidRecord),  # type: ignore[dict-item]
            (VectorRecord("x", "d", "t", (1.0, 0, 0, 0), {"k": {"a": 1}}), InvalidRecord),  # type: ignore[dict-item]
            (VectorRecord("x", "d", "t", (1.0, 0, 0, 0), {"bad key": 1}), InvalidRecord),
            (VectorRecord("x", "d", "t", (1.0, 0, 0, 0), {"k": float("nan")}), InvalidRecord),
            (VectorRecord("x", "d", "t", ("a", 0, 0, 0)), InvalidRecord),  # type: ignore[arg-type]
        ],
    )
    def test_bad_records_are_rejected_and_nothing_is_written(
        self, store: VectorStore, filled: str, record: VectorRecord, error: type[Exception]
    ) -> None:
        good = VectorRecord("new", "d5", "fine", (0.0, 0.0, 0.0, 1.0))
        with pytest.raises(error):
            store.upsert(filled, [good, record])
        assert store.count(filled) == 5

    def test_duplicate_ids_in_one_batch_are_rejected(
        self, store: VectorStore, collection: str
    ) -> None:
        with pytest.raises(InvalidRecord):
            store.upsert(collection, [BASIC[0], BASIC[0]])
        assert store.count(collection) == 0

    def test_delete_by_ids_removes_only_those(self, store: VectorStore, filled: str) -> None:
        store.delete(filled, ["a", "c", "not-there"])
        assert store.count(filled) == 3
        assert self._ids(store.search_by_vector(filled, Q, top_k=10)) == ["b", "e", "d"]
        assert "a" not in self._ids(store.search_by_full_text(filled, "kubernetes"))
        store.delete(filled, [])
        assert store.count(filled) == 3

    def test_delete_by_ids_rejects_a_bare_string(self, store: VectorStore, filled: str) -> None:
        with pytest.raises(InvalidInput):
            store.delete(filled, "abc")
        assert store.count(filled) == 5

    def test_delete_by_document(self, store: VectorStore, filled: str) -> None:
        store.delete_by_document(filled, ["d1", "nope"])
        assert store.count(filled) == 3
        assert store.count(filled, In("document_id", ("d1",))) == 0
        assert store.search_by_full_text(filled, "kubernetes helm") == []
        store.delete_by_document(filled, ["d2", "d3"])
        assert store.count(filled) == 0

    def test_metadata_round_trips_with_types(self, store: VectorStore, filled: str) -> None:
        hits = {h.id: h for h in store.search_by_vector(filled, Q, top_k=5)}
        meta_a = dict(hits["a"].metadata)
        assert meta_a == {"lang": "en", "n": 3, "flag": True, "ratio": 0.5}
        assert type(meta_a["n"]) is int and type(meta_a["flag"]) is bool
        assert dict(hits["c"].metadata) == {"lang": "de", "n": "5"}
        assert dict(hits["e"].metadata) == BASIC[4].metadata
        assert hits["e"].text == "Café crème and a naïve résumé"

    def test_concurrent_upserts(self, store: VectorStore, collection: str) -> None:
        def work(worker: int) -> None:
            for batch in range(5):
                records = [
                    VectorRecord(f"w{worker}-{batch}-{i}", f"d{worker}", "t", (1.0, worker, i, 1.0))
                    for i in range(10)
                ]
                store.upsert(collection, records)

        with ThreadPoolExecutor(max_workers=4) as pool:
            for future in [pool.submit(work, w) for w in range(4)]:
                future.result()
        assert store.count(collection) == 200

    # ------------------------------------------------------------------ vector search
    def test_vector_search_orders_by_cosine_with_exact_scores(
        self, store: VectorStore, filled: str
    ) -> None:
        hits = store.search_by_vector(filled, Q, top_k=10)
        assert self._ids(hits) == ["a", "b", "e", "c", "d"]
        expected = [1.0, 0.8, 0.6, 0.0, 0.0]
        assert [h.score for h in hits] == pytest.approx(expected, abs=TOL)
        assert all(0.0 <= h.score <= 1.0 for h in hits)
        assert hits[0].document_id == "d1"
        assert hits[0].text == "Kubernetes runs containers in pods"
        assert hits[0].vector is None

    def test_vector_scores_ignore_vector_length(self, store: VectorStore, collection: str) -> None:
        store.upsert(
            collection,
            [
                VectorRecord("long", "d", "t", (10.0, 0.0, 0.0, 0.0)),
                VectorRecord("short", "d", "t", (0.1, 0.1, 0.0, 0.0)),
            ],
        )
        hits = store.search_by_vector(collection, (3.0, 0.0, 0.0, 0.0))
        assert self._ids(hits) == ["long", "short"]
        assert [h.score for h in hits] == pytest.approx([1.0, math.sqrt(0.5)], abs=TOL)

    def test_equal_scores_are_ordered_by_id(self, store: VectorStore, collection: str) -> None:
        store.upsert(
            collection,
            [VectorRecord(i, "d", "t", (0.0, 1.0, 0.0, 0.0)) for i in ("m", "b", "x", "a")],
        )
        hits = store.search_by_vector(collection, (0.0, 1.0, 0.0, 0.0), top_k=4)
        assert self._ids(hits) == ["a", "b", "m", "x"]

    def test_top_k_limits_results(self, store: VectorStore, filled: str) -> None:
        assert self._ids(store.search_by_vector(filled, Q, top_k=1)) == ["a"]
        assert self._ids(store.search_by_vector(filled, Q, top_k=3)) == ["a", "b", "e"]
        assert len(store.search_by_vector(filled, Q)) == 4  # Dify's default top_k

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"top_k": 0},
            {"top_k": -1},
            {"top_k": 1001},
            {"top_k": True},
            {"top_k": 2.5},
            {"score_threshold": -0.1},
            {"score_threshold": 1.1},
            {"score_threshold": float("nan")},
            {"score_threshold": "0.5"},
        ],
    )
    def test_invalid_search_arguments(
        self, store: VectorStore, filled: str, kwargs: dict[str, Any]
    ) -> None:
        with pytest.raises(InvalidInput):
            store.search_by_vector(filled, Q, **kwargs)
        with pytest.raises(InvalidInput):
            store.search_by_full_text(filled, "kubernetes", **kwargs)

    def test_score_threshold_is_inclusive_and_applied_after_scoring(
        self, store: VectorStore, filled: str
    ) -> None:
        search = store.search_by_vector
        assert self._ids(search(filled, Q, top_k=10, score_threshold=0.8 - 1e-4)) == ["a", "b"]
        assert self._ids(search(filled, Q, top_k=10, score_threshold=0.6 - 1e-4)) == [
            "a",
            "b",
            "e",
        ]
        assert self._ids(search(filled, Q, top_k=10, score_threshold=1.0 - 1e-4)) == ["a"]
        assert len(search(filled, Q, top_k=10, score_threshold=0.0)) == 5
        hits = search(filled, (0.0, 0.0, 0.0, 1.0), top_k=10, score_threshold=0.01)
        assert hits == []
        # top_k first, then the threshold: never more than top_k, never below the threshold
        assert self._ids(search(filled, Q, top_k=2, score_threshold=0.7)) == ["a", "b"]

    def test_query_vector_is_validated(self, store: VectorStore, filled: str) -> None:
        with pytest.raises(DimensionMismatch):
            store.search_by_vector(filled, (1.0, 0.0, 0.0))
        with pytest.raises(DimensionMismatch):
            store.search_by_vector(filled, (1.0, 0.0, 0.0, 0.0, 0.0))
        with pytest.raises(InvalidRecord):
            store.search_by_vector(filled, (0.0, 0.0, 0.0, 0.0))
        with pytest.raises(InvalidRecord):
            store.search_by_vector(filled, (float("nan"), 0.0, 0.0, 0.0))

    def test_include_vectors(self, store: VectorStore, filled: str) -> None:
        hits = store.search_by_vector(filled, Q, top_k=2, include_vectors=True)
        assert hits[0].vector == pytest.approx((1.0, 0.0, 0.0, 0.0), abs=TOL)
        assert hits[1].vector == pytest.approx((0.8, 0.6, 0.0, 0.0), abs=TOL)
        text_hits = store.search_by_full_text(filled, "helm", include_vectors=True)
        assert text_hits[0].vector == pytest.approx((0.8, 0.6, 0.0, 0.0), abs=TOL)
        assert store.search_by_full_text(filled, "helm")[0].vector is None

    def test_exact_agreement_on_random_vectors(self, store: VectorStore) -> None:
        name = f"conf_{uuid.uuid4().hex}"
        records = _random_records(400, 16, seed=7)
        store.create_collection(name, 16)
        try:
            store.upsert(name, records)
            store.optimize(name)
            assert store.count(name) == 400
            rng = random.Random(11)
            overlap = 0
            for _ in range(10):
                query = tuple(rng.gauss(0.0, 1.0) for _ in range(16))
                exact = sorted(records, key=lambda r: -_cosine(r.vector, query))[:10]
                hits = store.search_by_vector(name, query, top_k=10)
                assert hits[0].id == exact[0].id
                assert hits[0].score == pytest.approx(
                    max(0.0, _cosine(exact[0].vector, query)), abs=1e-4
                )
                assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
                overlap += len({h.id for h in hits} & {r.id for r in exact})
            assert overlap >= 95  # recall@10 >= 0.95 over 10 queries
        finally:
            store.drop_collection(name)

    # ------------------------------------------------------------------ filters
    @pytest.mark.parametrize(
        ("flt", "expected"), FILTER_CASES, ids=[repr(c[0]) for c in FILTER_CASES]
    )
    def test_filters(
        self, store: VectorStore, filled: str, flt: Filter, expected: set[str]
    ) -> None:
        hits = store.search_by_vector(filled, Q, top_k=10, filter=flt)
        assert set(self._ids(hits)) == expected
        assert store.count(filled, flt) == len(expected)

    def test_filters_apply_to_full_text(self, store: VectorStore, filled: str) -> None:
        query = "kubernetes postgresql"
        assert self._ids(store.search_by_full_text(filled, query, filter=Eq("flag", True))) == ["a"]
        hits = store.search_by_full_text(filled, query, filter=Eq("document_id", "d2"))
        assert self._ids(hits) == ["c"]
        assert store.search_by_full_text(filled, query, filter=Or(())) == []

    @pytest.mark.parametrize("value", INJECTION_VALUES)
    def test_injection_in_filter_values_matches_nothing(
        self, store: VectorStore, filled: str, value: str
    ) -> None:
        for flt in (
            Eq("document_id", value),
            Eq("id", value),
            Eq("lang", value),
            In("document_id", (value, "zz")),
            In("lang", (value,)),
            Not(Not(Eq("lang", value))),
        ):
            assert store.search_by_vector(filled, Q, top_k=10, filter=flt) == []
            assert store.search_by_full_text(filled, "kubernetes", filter=flt) == []
            assert store.count(filled, flt) == 0
        store.delete(filled, [value])
        store.delete_by_document(filled, [value])
        assert store.count(filled) == 5
        assert store.count(filled, Not(Eq("lang", value))) == 5

    def test_values_with_quotes_match_exactly(self, store: VectorStore, collection: str) -> None:
        odd = ["it's", "x' OR '1'='1", 'say "hi"', "back\\slash", "100%", "under_score"]
        store.upsert(
            collection,
            [
                VectorRecord(f"id-{i}{v}", v, "t", (1.0, 0.0, 0.0, 0.0), {"v": v})
                for i, v in enumerate(odd)
            ],
        )
        for i, value in enumerate(odd):
            assert store.count(collection, Eq("document_id", value)) == 1
            assert store.count(collection, Eq("v", value)) == 1
            assert store.count(collection, Eq("id", f"id-{i}{value}")) == 1
        store.delete_by_document(collection, ["x' OR '1'='1"])
        assert store.count(collection) == len(odd) - 1

    @pytest.mark.parametrize(
        "build",
        [
            lambda: Eq("lang; drop table x", "en"),
            lambda: Eq("meta->>'lang'", "en"),
            lambda: Eq("$.lang", "en"),
            lambda: Eq("", "en"),
            lambda: Eq("a" * 65, "en"),
            lambda: Eq("document_id", 3),
            lambda: Eq("n", None),  # type: ignore[arg-type]
            lambda: Eq("n", float("nan")),
            lambda: Eq("n", [1]),  # type: ignore[arg-type]
            lambda: Eq("n", "a\x00b"),
            lambda: In("n", "abc"),  # type: ignore[arg-type]
            lambda: In("n", (1, None)),  # type: ignore[arg-type]
            lambda: Range("document_id", gt=1),
            lambda: Range("n"),
            lambda: Range("n", gt="1"),  # type: ignore[arg-type]
            lambda: Range("n", gt=True),
            lambda: Range("n", lt=float("inf")),
            lambda: And((Eq("n", 1), "x")),  # type: ignore[arg-type]
            lambda: Not("x"),  # type: ignore[arg-type]
        ],
    )
    def test_invalid_filters_are_rejected(self, build: Any) -> None:
        with pytest.raises(InvalidFilter):
            build()

    def test_non_filter_objects_are_rejected(self, store: VectorStore, filled: str) -> None:
        with pytest.raises(InvalidFilter):
            store.search_by_vector(filled, Q, filter={"document_id": "d1"})  # type: ignore[arg-type]
        with pytest.raises(InvalidFilter):
            store.count(filled, "document_id = 'd1'")  # type: ignore[arg-type]

    # ------------------------------------------------------------------ full-text search
    def test_full_text_scores_are_query_term_coverage(
        self, store: VectorStore, filled: str
    ) -> None:
        hits = store.search_by_full_text(filled, "KUBERNETES Helm", top_k=10)
        assert self._ids(hits) == ["b", "a"]
        assert [h.score for h in hits] == pytest.approx([1.0, 0.5])
        assert hits[0].text == "Helm charts package Kubernetes applications"
        assert hits[0].document_id == "d1"

    def test_full_text_threshold_and_top_k(self, store: VectorStore, filled: str) -> None:
        search = store.search_by_full_text
        assert self._ids(search(filled, "kubernetes helm", score_threshold=0.6)) == ["b"]
        assert self._ids(search(filled, "kubernetes helm", score_threshold=0.5)) == ["b", "a"]
        assert self._ids(search(filled, "kubernetes helm", top_k=1)) == ["b"]
        assert search(filled, "kubernetes helm pods", score_threshold=1.0) == []

    @pytest.mark.parametrize("query", ["", "   ", "?!.,;", "--", "'\""])
    def test_full_text_without_terms_returns_nothing(
        self, store: VectorStore, filled: str, query: str
    ) -> None:
        assert store.search_by_full_text(filled, query) == []

    def test_full_text_without_matches_returns_nothing(
        self, store: VectorStore, filled: str
    ) -> None:
        assert store.search_by_full_text(filled, "zebra quantum") == []

    @pytest.mark.parametrize("query", TEXT_QUERIES_WITH_SYNTAX)
    def test_full_text_query_syntax_is_not_interpreted(
        self, store: VectorStore, filled: str, query: str
    ) -> None:
        hits = store.search_by_full_text(filled, query, top_k=10)
        lowered = query.lower()
        for hit in hits:
            words = {w.lower() for w in hit.text.split()}
            assert any(word in lowered for word in words)
        assert store.count(filled) == 5

    def test_full_text_unicode(self, store: VectorStore, filled: str) -> None:
        assert self._ids(store.search_by_full_text(filled, "café")) == ["e"]
        assert self._ids(store.search_by_full_text(filled, "RÉSUMÉ naïve")) == ["e"]

    def test_full_text_sees_updates(self, store: VectorStore, filled: str) -> None:
        store.upsert(filled, [VectorRecord("c", "d2", "now about zebras", (0.0, 1.0, 0.0, 0.0))])
        assert self._ids(store.search_by_full_text(filled, "zebras")) == ["c"]
        assert store.search_by_full_text(filled, "postgresql") == []
        store.optimize(filled)
        assert self._ids(store.search_by_full_text(filled, "zebras")) == ["c"]

    # ------------------------------------------------------------------ iterate / optimize
    def test_iter_records_round_trip(self, store: VectorStore, filled: str) -> None:
        records = {r.id: r for r in store.iter_records(filled, batch_size=2)}
        assert set(records) == ALL_IDS
        for original in BASIC:
            got = records[original.id]
            assert got.document_id == original.document_id
            assert got.text == original.text
            assert dict(got.metadata) == dict(original.metadata)
            assert got.vector == pytest.approx(original.vector, abs=TOL)

    def test_iter_records_many_batches_each_once(self, store: VectorStore) -> None:
        name = f"conf_{uuid.uuid4().hex}"
        records = _random_records(1234, 8, seed=3)
        store.create_collection(name, 8)
        try:
            store.upsert(name, records)
            seen = [r.id for r in store.iter_records(name, batch_size=100)]
            assert len(seen) == 1234
            assert set(seen) == {r.id for r in records}
        finally:
            store.drop_collection(name)

    def test_iter_records_into_another_collection_restores_everything(
        self, store: VectorStore, filled: str
    ) -> None:
        copy = f"conf_{uuid.uuid4().hex}"
        store.create_collection(copy, 4)
        try:
            store.upsert(copy, list(store.iter_records(filled)))
            assert store.count(copy) == 5
            hits = store.search_by_vector(copy, Q, top_k=10)
            assert self._ids(hits) == ["a", "b", "e", "c", "d"]
        finally:
            store.drop_collection(copy)

    def test_iter_records_batch_size_is_validated(self, store: VectorStore, filled: str) -> None:
        for bad in (0, -1, True):
            with pytest.raises(InvalidInput):
                store.iter_records(filled, batch_size=bad)

    def test_optimize_keeps_results(self, store: VectorStore, filled: str) -> None:
        store.optimize(filled)
        assert self._ids(store.search_by_vector(filled, Q, top_k=10)) == ["a", "b", "e", "c", "d"]
        assert store.count(filled) == 5

    # ------------------------------------------------------------------ health
    def test_health_ok(self, store: VectorStore) -> None:
        status = store.health()
        assert status.ok, status.detail
        assert status.backend == store.name
        assert status.latency_ms >= 0.0

    def test_health_when_down(self, unreachable_store: VectorStore) -> None:
        started = time.monotonic()
        status = unreachable_store.health()
        assert time.monotonic() - started < 15.0
        assert not status.ok
        assert status.detail
        assert status.backend == unreachable_store.name

    def test_operations_when_down_raise_unavailable(self, unreachable_store: VectorStore) -> None:
        with pytest.raises(VectorStoreUnavailable):
            unreachable_store.search_by_vector("anything", Q)
        with pytest.raises(VectorStoreUnavailable):
            unreachable_store.create_collection("anything", 4)


__all__ = ["BASIC", "FILTER_CASES", "INJECTION_VALUES", "VectorStoreConformance"]
