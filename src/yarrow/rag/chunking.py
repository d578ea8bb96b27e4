"""From cleaned text to chunks: general chunking and parent-child chunking (Dify's process rule).

* ``general`` (Dify ``text_model``): chunks per :mod:`~yarrow.rag.splitting`; each chunk is
  embedded and returned by retrieval.
* ``parent-child`` (Dify ``hierarchical_model``): *parents* are what retrieval returns, *children*
  are what gets embedded and matched. ``paragraph`` mode splits the text into parents with the
  parent rules; ``full-doc`` mode makes the whole text one parent. Each parent is split into
  children with the child rules.

:class:`ProcessRule` parses Dify's ``process_rule`` object (``mode`` automatic, custom or
hierarchical) so API payloads map onto these rules unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from yarrow.rag.cleaning import CleaningRules, clean
from yarrow.rag.errors import InvalidProcessRule
from yarrow.rag.splitting import SplitRules, split_text

ParentMode = Literal["paragraph", "full-doc"]

#: Dify's automatic rules: remove extra spaces, 500 characters, 50 overlap, recursive splitting.
AUTOMATIC_SPLIT = SplitRules(max_chars=500, overlap_chars=50, separator=None)
DEFAULT_PARENT_SPLIT = SplitRules(max_chars=1024, overlap_chars=0, separator="\n\n")
DEFAULT_CHILD_SPLIT = SplitRules(max_chars=512, overlap_chars=0, separator="\n")


@dataclass(frozen=True, slots=True)
class Chunk:
    """A segment: its text and, for parent-child chunking, the child chunks to embed."""

    position: int
    text: str
    children: tuple[str, ...] = ()

    @property
    def char_count(self) -> int:
        """Characters of the chunk (Dify's ``word_count``)."""
        return len(self.text)


@dataclass(frozen=True, slots=True)
class ParentChildRules:
    """How to build parents and children."""

    parent_mode: ParentMode = "paragraph"
    parent: SplitRules = DEFAULT_PARENT_SPLIT
    child: SplitRules = DEFAULT_CHILD_SPLIT

    def __post_init__(self) -> None:
        if self.parent_mode not in ("paragraph", "full-doc"):
            raise InvalidProcessRule("parent_mode must be 'paragraph' or 'full-doc'.")


@dataclass(frozen=True, slots=True)
class ProcessRule:
    """Cleaning plus either general splitting or parent-child rules."""

    mode: Literal["automatic", "custom", "hierarchical"] = "automatic"
    cleaning: CleaningRules = field(default_factory=CleaningRules)
    split: SplitRules = AUTOMATIC_SPLIT
    parent_child: ParentChildRules | None = None

    @classmethod
    def from_dify(cls, rule: Mapping[str, Any] | None, *, max_limit: int = 4000) -> ProcessRule:
        """Parse Dify's ``process_rule`` (``{"mode": ..., "rules": {...}}``).

        ``automatic`` ignores ``rules``. ``custom`` needs ``pre_processing_rules`` and
        ``segmentation``; ``hierarchical`` also takes ``parent_mode`` and
        ``subchunk_segmentation``.

        Raises:
            InvalidProcessRule: unknown mode, missing or out-of-range fields.
        """
        if rule is None:
            return cls()
        if not isinstance(rule, Mapping):
            raise InvalidProcessRule("process_rule must be an object.")
        mode = rule.get("mode", "automatic")
        if mode == "automatic":
            return cls()
        if mode not in ("custom", "hierarchical"):
            raise InvalidProcessRule(f"Unknown process_rule mode {mode!r}.")
        rules = rule.get("rules")
        if not isinstance(rules, Mapping):
            raise InvalidProcessRule(f"process_rule.rules is required in {mode} mode.")
        cleaning = CleaningRules.from_dify(rules.get("pre_processing_rules") or [])
        segmentation = rules.get("segmentation")
        if not isinstance(segmentation, Mapping):
            raise InvalidProcessRule("process_rule.rules.segmentation is required.")
        split = SplitRules.from_dify(segmentation, max_limit=max_limit)
        if mode == "custom":
            return cls(mode="custom", cleaning=cleaning, split=split)
        parent_mode = rules.get("parent_mode", "paragraph")
        sub = rules.get("subchunk_segmentation")
        if not isinstance(sub, Mapping):
            raise InvalidProcessRule("subchunk_segmentation is required in hierarchical mode.")
        child = SplitRules.from_dify(sub, max_limit=max_limit)
        return cls(
            mode="hierarchical",
            cleaning=cleaning,
            split=split,
            parent_child=ParentChildRules(parent_mode, split, child),
        )

    def chunk(self, text: str) -> list[Chunk]:
        """Clean ``text`` and chunk it per this rule."""
        cleaned = clean(text, self.cleaning)
        if self.parent_child is not None:
            return split_parent_child(cleaned, self.parent_child)
        return [Chunk(i, c) for i, c in enumerate(split_text(cleaned, self.split), start=1)]


def split_parent_child(text: str, rules: ParentChildRules) -> list[Chunk]:
    """Parents with their children; parents without any child text are dropped."""
    if rules.parent_mode == "full-doc":
        parents = [text.strip()] if text.strip() else []
    else:
        parents = split_text(text, rules.parent)
    chunks: list[Chunk] = []
    for parent in parents:
        children = tuple(split_text(parent, rules.child))
        if children:
            chunks.append(Chunk(len(chunks) + 1, parent, children))
    return chunks


__all__ = [
    "AUTOMATIC_SPLIT",
    "Chunk",
    "ParentChildRules",
    "ParentMode",
    "ProcessRule",
    "split_parent_child",
]
