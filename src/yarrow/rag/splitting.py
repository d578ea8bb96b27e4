"""Split text into chunks measured in **characters** (what Dify calls ``max_tokens``).

Two modes, as in Dify:

* *automatic* (no separator): recursive splitting on paragraph, line, sentence and word
  boundaries, merging neighbouring pieces up to ``max_chars`` with about ``overlap_chars`` of
  overlap between consecutive chunks;
* *custom* (a separator): the separator is a hard boundary, every piece becomes its own chunk
  (pieces are never merged across it), and pieces longer than ``max_chars`` are split
  recursively as above.

Guarantees: every chunk has 1..``max_chars`` characters and is stripped of surrounding
whitespace; chunks come in document order; apart from whitespace at chunk edges and the custom
separator itself, every character of the input is in some chunk.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yarrow.rag.errors import InvalidProcessRule

#: Boundaries tried in order when a piece is too long; "" splits between characters.
RECURSIVE_SEPARATORS = ("\n\n", "\n", "。", ". ", "！", "？", "! ", "? ", "; ", "；", " ", "")


@dataclass(frozen=True, slots=True)
class SplitRules:
    """How to split.

    Attributes:
        max_chars: the largest chunk, in characters.
        overlap_chars: characters repeated from the end of one chunk at the start of the next
            (whole pieces only, so it is at most this many).
        separator: a hard boundary for custom mode (``\\n`` escapes are understood);
            ``None`` for automatic mode.
    """

    max_chars: int = 500
    overlap_chars: int = 50
    separator: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.max_chars, bool) or not isinstance(self.max_chars, int):
            raise InvalidProcessRule("max_chars must be an integer.")
        if self.max_chars < 1:
            raise InvalidProcessRule("max_chars must be at least 1.")
        if isinstance(self.overlap_chars, bool) or not isinstance(self.overlap_chars, int):
            raise InvalidProcessRule("overlap_chars must be an integer.")
        if not 0 <= self.overlap_chars < self.max_chars:
            raise InvalidProcessRule("overlap_chars must be at least 0 and below max_chars.")
        if self.separator is not None:
            if not isinstance(self.separator, str) or not self.separator:
                raise InvalidProcessRule("separator must be a non-empty string.")
            object.__setattr__(self, "separator", unescape_separator(self.separator))

    @classmethod
    def from_dify(cls, segmentation: Mapping[str, Any], *, max_limit: int = 4000) -> SplitRules:
        """From Dify's ``segmentation`` object ``{separator, max_tokens, chunk_overlap}``.

        Dify's ``max_tokens`` counts characters; it must be 50..``max_limit``
        (``INDEXING_MAX_SEGMENTATION_TOKENS_LENGTH``).
        """
        if not isinstance(segmentation, Mapping):
            raise InvalidProcessRule("segmentation must be an object.")
        max_chars = segmentation.get("max_tokens")
        if isinstance(max_chars, bool) or not isinstance(max_chars, int):
            raise InvalidProcessRule("segmentation.max_tokens must be an integer.")
        if not 50 <= max_chars <= max_limit:
            raise InvalidProcessRule(f"segmentation.max_tokens must be between 50 and {max_limit}.")
        overlap = segmentation.get("chunk_overlap", 0) or 0
        separator = segmentation.get("separator", segmentation.get("delimiter", "\n"))
        return cls(max_chars=max_chars, overlap_chars=overlap, separator=separator or "\n")


def unescape_separator(separator: str) -> str:
    """Turn the literal ``\\n``, ``\\t`` and ``\\r`` users type into the characters."""
    return separator.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r")


def split_text(text: str, rules: SplitRules | None = None) -> list[str]:
    """Chunks of ``text`` per ``rules`` (default: automatic, 500 characters, 50 overlap)."""
    rules = rules or SplitRules()
    pieces = [text] if rules.separator is None else text.split(rules.separator)
    chunks: list[str] = []
    for piece in pieces:
        if len(piece.strip()) <= rules.max_chars:
            chunks.append(piece)
        else:
            chunks.extend(_recursive(piece, RECURSIVE_SEPARATORS, rules))
    return [c.strip() for c in chunks if c.strip()]


def _split_keeping(text: str, separator: str) -> list[str]:
    """Split after each ``separator`` occurrence, keeping it at the end of its piece."""
    if separator == "":
        return list(text)
    parts = text.split(separator)
    return [p + separator for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _recursive(text: str, separators: tuple[str, ...], rules: SplitRules) -> list[str]:
    index = next(i for i, sep in enumerate(separators) if sep == "" or sep in text)
    separator, rest = separators[index], separators[index + 1 :]
    out: list[str] = []
    fitting: list[str] = []
    for piece in _split_keeping(text, separator):
        if len(piece) <= rules.max_chars:
            fitting.append(piece)
            continue
        if fitting:
            out.extend(_merge(fitting, rules))
            fitting = []
        out.extend(_recursive(piece, rest, rules))
    if fitting:
        out.extend(_merge(fitting, rules))
    return out


def _merge(pieces: list[str], rules: SplitRules) -> list[str]:
    """Join consecutive pieces up to ``max_chars``, carrying up to ``overlap_chars`` over."""
    chunks: list[str] = []
    window: deque[str] = deque()
    length = 0
    for piece in pieces:
        if window and length + len(piece) > rules.max_chars:
            chunks.append("".join(window))
            while window and (
                length > rules.overlap_chars or length + len(piece) > rules.max_chars
            ):
                length -= len(window.popleft())
        window.append(piece)
        length += len(piece)
    if window:
        chunks.append("".join(window))
    return chunks


__all__ = ["RECURSIVE_SEPARATORS", "SplitRules", "split_text", "unescape_separator"]
