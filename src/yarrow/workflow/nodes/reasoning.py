"""Split a streamed model answer into text and ``<think>`` reasoning, across chunk boundaries.

Used by the llm node with ``reasoning_format: separated`` so the text stream (answers,
``text_chunk``) never carries ``<think>`` tags and the reasoning goes to ``reasoning_chunk``
events. Whitespace right after a closing tag is dropped, as Dify does.
"""

from __future__ import annotations

OPEN, CLOSE = "<think>", "</think>"


class ThinkSplitter:
    """Feed deltas, get ``(text, reasoning)`` pieces; call :meth:`flush` at the end."""

    def __init__(self) -> None:
        self._buffer = ""
        self._inside = False
        self._strip_next = False

    def feed(self, delta: str) -> tuple[str, str]:
        self._buffer += delta
        text: list[str] = []
        reasoning: list[str] = []
        while True:
            tag = CLOSE if self._inside else OPEN
            index = self._buffer.find(tag)
            if index == -1:
                keep = _partial_suffix(self._buffer, tag)
                self._emit(self._buffer[: len(self._buffer) - keep], text, reasoning)
                self._buffer = self._buffer[len(self._buffer) - keep :]
                break
            self._emit(self._buffer[:index], text, reasoning)
            self._buffer = self._buffer[index + len(tag) :]
            self._inside = not self._inside
            self._strip_next = not self._inside
        return "".join(text), "".join(reasoning)

    def flush(self) -> tuple[str, str]:
        text: list[str] = []
        reasoning: list[str] = []
        self._emit(self._buffer, text, reasoning)
        self._buffer = ""
        return "".join(text), "".join(reasoning)

    def _emit(self, piece: str, text: list[str], reasoning: list[str]) -> None:
        if self._inside:
            reasoning.append(piece)
            return
        if self._strip_next:
            piece = piece.lstrip()
            if not piece:
                return
            self._strip_next = False
        text.append(piece)


def _partial_suffix(buffer: str, tag: str) -> int:
    """Length of the longest suffix of ``buffer`` that is a proper prefix of ``tag``."""
    for length in range(min(len(tag) - 1, len(buffer)), 0, -1):
        if tag.startswith(buffer[-length:]):
            return length
    return 0
