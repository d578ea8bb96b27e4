"""Process rules from Dify payloads; general and parent-child chunking."""

from __future__ import annotations

import pytest

from yarrow.rag import Chunk, InvalidProcessRule, ParentChildRules, ProcessRule, SplitRules
from yarrow.rag.chunking import split_parent_child

DOC = (
    "Install the chart.  It needs   Helm 3.\n\n\n\n"
    "Configure values. Set the image tag. Set the replicas.\n\n"
    "Upgrade with helm upgrade. Roll back with helm rollback."
)


def test_automatic_rule_cleans_and_splits() -> None:
    chunks = ProcessRule.from_dify({"mode": "automatic"}).chunk(DOC)
    assert chunks == [
        Chunk(
            1,
            DOC.replace("  ", " ")
            .replace("   ", " ")
            .replace("\n\n\n\n", "\n\n")
            .replace("  ", " "),
        )
    ]
    assert chunks[0].char_count == len(chunks[0].text)
    assert ProcessRule.from_dify(None) == ProcessRule()


def test_custom_rule() -> None:
    rule = ProcessRule.from_dify(
        {
            "mode": "custom",
            "rules": {
                "pre_processing_rules": [{"id": "remove_extra_spaces", "enabled": True}],
                "segmentation": {"separator": "\\n\\n", "max_tokens": 60, "chunk_overlap": 0},
            },
        }
    )
    chunks = rule.chunk(DOC)
    assert [c.text for c in chunks] == [
        "Install the chart. It needs Helm 3.",
        "Configure values. Set the image tag. Set the replicas.",
        "Upgrade with helm upgrade. Roll back with helm rollback.",
    ]
    assert [c.position for c in chunks] == [1, 2, 3]
    assert all(c.children == () for c in chunks)


def test_hierarchical_paragraph_mode() -> None:
    rule = ProcessRule.from_dify(
        {
            "mode": "hierarchical",
            "rules": {
                "pre_processing_rules": [{"id": "remove_extra_spaces", "enabled": True}],
                "segmentation": {"separator": "\\n\\n", "max_tokens": 500},
                "parent_mode": "paragraph",
                "subchunk_segmentation": {"separator": ". ", "max_tokens": 50},
            },
        }
    )
    chunks = rule.chunk(DOC)
    assert len(chunks) == 3
    assert chunks[1].text == "Configure values. Set the image tag. Set the replicas."
    assert chunks[1].children == ("Configure values", "Set the image tag", "Set the replicas.")


def test_hierarchical_full_doc_mode() -> None:
    rules = ParentChildRules("full-doc", child=SplitRules(60, 0, "\n\n"))
    chunks = split_parent_child("para one\n\npara two\n\npara three", rules)
    assert len(chunks) == 1
    assert chunks[0].text == "para one\n\npara two\n\npara three"
    assert chunks[0].children == ("para one", "para two", "para three")
    assert split_parent_child("   ", rules) == []


def test_children_respect_child_bounds() -> None:
    text = "\n\n".join(f"sentence number {i} is here. " * 8 for i in range(5))
    rules = ParentChildRules("paragraph", SplitRules(300, 0, "\n\n"), SplitRules(60, 10))
    chunks = split_parent_child(text, rules)
    assert chunks
    for chunk in chunks:
        assert len(chunk.text) <= 300
        assert chunk.children and all(len(c) <= 60 for c in chunk.children)


@pytest.mark.parametrize(
    "rule",
    [
        {"mode": "magic"},
        {"mode": "custom"},
        {"mode": "custom", "rules": {"pre_processing_rules": []}},
        {"mode": "custom", "rules": {"segmentation": {"max_tokens": 10}}},
        {
            "mode": "hierarchical",
            "rules": {"segmentation": {"max_tokens": 500}, "parent_mode": "paragraph"},
        },
        {
            "mode": "hierarchical",
            "rules": {
                "segmentation": {"max_tokens": 500},
                "parent_mode": "chapters",
                "subchunk_segmentation": {"max_tokens": 100},
            },
        },
        "automatic",
    ],
)
def test_invalid_process_rules(rule: object) -> None:
    with pytest.raises(InvalidProcessRule):
        ProcessRule.from_dify(rule)  # type: ignore[arg-type]


def test_max_limit_is_configurable() -> None:
    rule = {"mode": "custom", "rules": {"segmentation": {"max_tokens": 6000}}}
    with pytest.raises(InvalidProcessRule):
        ProcessRule.from_dify(rule)
    assert ProcessRule.from_dify(rule, max_limit=8000).split.max_chars == 6000
