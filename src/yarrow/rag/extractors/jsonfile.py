"""JSON: flattened to ``path: value`` lines; a top-level array gives one part per element."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar

from yarrow.rag.documents import ExtractedDocument, ExtractedPart, ExtractionLimits
from yarrow.rag.errors import ExtractionError
from yarrow.rag.extractors.base import check_chars, check_size, decode_text

MAX_DEPTH = 64


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def flatten(value: Any, path: str = "", depth: int = 0) -> Iterator[str]:
    """``path: value`` lines for every scalar in ``value`` (``a.b[0].c: 1``)."""
    if depth > MAX_DEPTH:
        raise ExtractionError(f"JSON nested deeper than {MAX_DEPTH} levels.")
    if isinstance(value, dict):
        for key, child in value.items():
            yield from flatten(child, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from flatten(child, f"{path}[{index}]", depth + 1)
    else:
        yield f"{path}: {_scalar(value)}" if path else _scalar(value)


class JsonExtractor:
    """``.json`` and ``.jsonl`` (one JSON value per line)."""

    name: ClassVar[str] = "json"
    extensions: ClassVar[tuple[str, ...]] = ("json", "jsonl")

    def extract(self, data: bytes, *, filename: str, limits: ExtractionLimits) -> ExtractedDocument:
        """Arrays and JSON Lines give one part per item (``metadata["item"]`` 1-based)."""
        check_size(data, filename=filename, limits=limits)
        text = decode_text(data, filename=filename)
        try:
            if filename.lower().endswith(".jsonl"):
                items = [json.loads(line) for line in text.splitlines() if line.strip()]
                value: Any = items
            else:
                value = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ExtractionError(f"{filename} is not valid JSON: {exc}") from exc
        elements = value if isinstance(value, list) else [value]
        parts: list[ExtractedPart] = []
        total = 0
        for number, element in enumerate(elements, start=1):
            part_text = "\n".join(flatten(element))
            total += len(part_text)
            check_chars(total, filename=filename, limits=limits)
            meta = {"item": number} if isinstance(value, list) else {}
            parts.append(ExtractedPart(part_text, meta))
        return ExtractedDocument(tuple(parts))


__all__ = ["JsonExtractor", "flatten"]
