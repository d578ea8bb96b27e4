"""What extractors produce: a document as ordered parts (pages, rows, slides) with metadata."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PartMetadata = Mapping[str, str | int | float | bool]


@dataclass(frozen=True, slots=True)
class ExtractedPart:
    """A unit of the source: a page, a sheet row, a slide, a message body, or the whole text."""

    text: str
    metadata: PartMetadata = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ExtractedDocument:
    """The parts of one file, in source order, plus file-level metadata (title, author, ...)."""

    parts: tuple[ExtractedPart, ...]
    metadata: PartMetadata = field(default_factory=dict)

    @property
    def text(self) -> str:
        """All non-blank parts joined by blank lines."""
        return "\n\n".join(p.text for p in self.parts if p.text.strip())

    @property
    def char_count(self) -> int:
        """Characters of :attr:`text` (Dify's ``word_count``)."""
        return len(self.text)


@dataclass(frozen=True, slots=True)
class ExtractionLimits:
    """Bounds that keep a hostile file from exhausting memory or time.

    Attributes:
        max_bytes: largest input file (Dify's ``UPLOAD_FILE_SIZE_LIMIT`` is 15 MB).
        max_unpacked_bytes: largest total uncompressed size of a zip-based file (docx, xlsx,
            pptx), against zip bombs.
        max_archive_members: most entries in a zip-based file.
        max_chars: most characters of extracted text.
    """

    max_bytes: int = 15 * 1024 * 1024
    max_unpacked_bytes: int = 200 * 1024 * 1024
    max_archive_members: int = 10_000
    max_chars: int = 20_000_000


__all__ = ["ExtractedDocument", "ExtractedPart", "ExtractionLimits", "PartMetadata"]
