"""Splitting in characters: bounds, order, coverage, overlap, separators, Dify rules."""

from __future__ import annotations

import random
import re

import pytest

from yarrow.rag import InvalidProcessRule, SplitRules, split_text

SAMPLE = (
    "Kubernetes schedules containers onto nodes. It restarts failed pods.\n\n"
    "Helm packages applications as charts. Values files configure releases.\n\n"
    "PostgreSQL stores relational data. It supports extensions such as pgvector."
)


def _words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


def _assert_covers_in_order(text: str, chunks: list[str]) -> None:
    """Every word of ``text`` appears, in order, across the chunks (overlap allowed)."""
    position = 0
    words = _words(text)
    for chunk in chunks:
        chunk_words = _words(chunk)
        # the chunk's words form a contiguous run of the original, starting at or before position
        start = next(
            i
            for i in range(max(0, position - len(chunk_words)), position + 1)
            if words[i : i + len(chunk_words)] == chunk_words
        )
        assert start <= position
        position = start + len(chunk_words)
    assert position == len(words)


@pytest.mark.parametrize(("max_chars", "overlap"), [(40, 0), (60, 10), (100, 30), (500, 50)])
def test_automatic_bounds_order_and_coverage(max_chars: int, overlap: int) -> None:
    chunks = split_text(SAMPLE, SplitRules(max_chars, overlap))
    assert all(1 <= len(c) <= max_chars for c in chunks)
    assert all(c == c.strip() for c in chunks)
    _assert_covers_in_order(SAMPLE, chunks)


def test_whole_text_fits_in_one_chunk() -> None:
    assert split_text(SAMPLE, SplitRules(1000, 0)) == [SAMPLE]


def test_paragraphs_are_preferred_boundaries() -> None:
    chunks = split_text(SAMPLE, SplitRules(80, 0))
    assert chunks[0] == "Kubernetes schedules containers onto nodes. It restarts failed pods."


def test_overlap_repeats_the_end_of_the_previous_chunk() -> None:
    text = " ".join(f"w{i:02d}" for i in range(60))
    chunks = split_text(text, SplitRules(40, 12))
    assert len(chunks) > 2
    for previous, current in zip(chunks, chunks[1:], strict=False):
        prev_words, cur_words = _words(previous), _words(current)
        shared = max(
            k
            for k in range(len(cur_words))
            if prev_words[len(prev_words) - k :] == cur_words[:k] or k == 0
        )
        assert shared == 3  # "w07 w08 w09" = 11 characters (+ trailing space) <= 12
        assert len(" ".join(cur_words[:shared])) <= 12
        assert len(current) <= 40
    no_overlap = split_text(text, SplitRules(40, 0))
    assert sum(len(_words(c)) for c in no_overlap) == 60


def test_words_longer_than_max_are_cut_by_characters() -> None:
    text = "a" * 25 + " tail"
    chunks = split_text(text, SplitRules(10, 0))
    assert chunks[:3] == ["a" * 10, "a" * 10, "a" * 5]
    assert "".join(chunks).replace(" ", "") == "a" * 25 + "tail"


def test_cjk_sentences_split_on_full_stop() -> None:
    text = "第一句话很长。" * 10
    chunks = split_text(text, SplitRules(20, 0))
    assert all(len(c) <= 20 for c in chunks)
    assert all(c.endswith("。") for c in chunks)
    assert "".join(chunks) == text


def test_custom_separator_is_a_hard_boundary() -> None:
    text = "short one***short two***" + "long " * 30
    chunks = split_text(text, SplitRules(50, 0, "***"))
    assert chunks[:2] == ["short one", "short two"]
    assert all(len(c) <= 50 for c in chunks)
    assert len(chunks) >= 4


def test_escaped_separator_is_unescaped() -> None:
    assert SplitRules(100, 0, "\\n\\n").separator == "\n\n"
    assert split_text("a\nb\n\nc", SplitRules(100, 0, "\\n\\n")) == ["a\nb", "c"]


def test_blank_pieces_are_dropped() -> None:
    assert split_text("\n\n\n\n  \n\nreal\n\n", SplitRules(100, 0, "\n\n")) == ["real"]
    assert split_text("", SplitRules()) == []


def test_random_texts_respect_bounds() -> None:
    rng = random.Random(5)
    alphabet = ["alpha", "beta", "γάμμα", "δ", "\n", "\n\n", ". ", "。", "x" * 30]
    for _ in range(50):
        text = "".join(rng.choice(alphabet) + rng.choice([" ", ""]) for _ in range(200))
        max_chars = rng.randint(5, 120)
        overlap = rng.randint(0, max_chars - 1)
        chunks = split_text(text, SplitRules(max_chars, overlap))
        assert all(1 <= len(c) <= max_chars for c in chunks)
        # every non-space character survives
        assert set("".join(text.split())) == set("".join("".join(chunks).split()))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_chars": 0},
        {"max_chars": -5},
        {"max_chars": True},
        {"max_chars": 10, "overlap_chars": 10},
        {"max_chars": 10, "overlap_chars": -1},
        {"separator": ""},
    ],
)
def test_invalid_rules(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidProcessRule):
        SplitRules(**kwargs)  # type: ignore[arg-type]


def test_from_dify_counts_characters() -> None:
    rules = SplitRules.from_dify({"separator": "\\n", "max_tokens": 120, "chunk_overlap": 20})
    assert rules == SplitRules(120, 20, "\n")
    assert SplitRules.from_dify({"max_tokens": 50}).separator == "\n"
    assert SplitRules.from_dify({"delimiter": "\n\n", "max_tokens": 500}).separator == "\n\n"


@pytest.mark.parametrize(
    "segmentation",
    [
        {"max_tokens": 49},
        {"max_tokens": 4001},
        {"max_tokens": "500"},
        {"separator": "\n"},
        {"max_tokens": 100, "chunk_overlap": 100},
    ],
)
def test_from_dify_rejects_out_of_range(segmentation: dict[str, object]) -> None:
    with pytest.raises(InvalidProcessRule):
        SplitRules.from_dify(segmentation)
