"""Plain text and Markdown: decoded as-is (Markdown stays Markdown; it chunks well)."""

from __future__ import annotations

from typing import ClassVar

from yarrow.rag.documents import ExtractedDocument, ExtractedPart, ExtractionLimits
from yarrow.rag.extractors.base import check_chars, check_size, decode_text


class TextExtractor:
    """``.txt`` files (and anything else declared plain text)."""

    name: ClassVar[str] = "text"
    extensions: ClassVar[tuple[str, ...]] = ("txt", "text")

    def extract(self, data: bytes, *, filename: str, limits: ExtractionLimits) -> ExtractedDocument:
        """The decoded text as one part, line endings normalised to ``\\n``."""
        check_size(data, filename=filename, limits=limits)
        text = decode_text(data, filename=filename).replace("\r\n", "\n").replace("\r", "\n")
        check_chars(len(text), filename=filename, limits=limits)
        return ExtractedDocument((ExtractedPart(text),))


class MarkdownExtractor(TextExtractor):
    """``.md`` / ``.markdown``: the text, with the first ``#`` heading as the title."""

    name: ClassVar[str] = "markdown"
    extensions: ClassVar[tuple[str, ...]] = ("md", "markdown", "mdx")

    def extract(self, data: bytes, *, filename: str, limits: ExtractionLimits) -> ExtractedDocument:
        """The text as one part; ``metadata["title"]`` from the first level-1 heading."""
        doc = super().extract(data, filename=filename, limits=limits)
        for line in doc.parts[0].text.splitlines():
            if line.startswith("# ") and line[2:].strip():
                return ExtractedDocument(doc.parts, {"title": line[2:].strip()})
        return doc


__all__ = ["MarkdownExtractor", "TextExtractor"]
