"""PowerPoint ``.pptx`` via python-pptx: one part per slide (text frames, tables, notes)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from pptx import Presentation
from pptx.exc import PythonPptxError
from pptx.shapes.group import GroupShape

from yarrow.rag.documents import ExtractedDocument, ExtractedPart, ExtractionLimits
from yarrow.rag.errors import ExtractionError
from yarrow.rag.extractors.base import check_chars, check_size, check_zip

# lxml.etree.XMLSyntaxError (malformed XML parts) is a SyntaxError.
_BROKEN = (PythonPptxError, SyntaxError, zipfile.BadZipFile, KeyError, ValueError, AttributeError)


def _shape_texts(shapes: Iterable[Any]) -> Iterator[str]:
    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _shape_texts(shape.shapes)
        elif getattr(shape, "has_table", False) and shape.has_table:
            for row in shape.table.rows:
                cells = [cell.text.replace("\n", " ").strip() for cell in row.cells]
                yield " | ".join(cells)
        elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            text = shape.text_frame.text.strip()
            if text:
                yield text


class PptxExtractor:
    """``.pptx`` (not the binary ``.ppt`` format)."""

    name: ClassVar[str] = "pptx"
    extensions: ClassVar[tuple[str, ...]] = ("pptx",)

    def extract(self, data: bytes, *, filename: str, limits: ExtractionLimits) -> ExtractedDocument:
        """Slides in order, ``metadata["slide"]`` 1-based; speaker notes after the slide text."""
        check_size(data, filename=filename, limits=limits)
        check_zip(data, filename=filename, limits=limits)
        try:
            deck = Presentation(io.BytesIO(data))
            parts: list[ExtractedPart] = []
            total = 0
            for number, slide in enumerate(deck.slides, start=1):
                texts = list(_shape_texts(slide.shapes))
                if slide.has_notes_slide:
                    notes = slide.notes_slide.notes_text_frame
                    if notes is not None and notes.text.strip():
                        texts.append("Notes: " + notes.text.strip())
                text = "\n".join(texts)
                total += len(text)
                check_chars(total, filename=filename, limits=limits)
                parts.append(ExtractedPart(text, {"slide": number}))
            title = deck.core_properties.title
        except _BROKEN as exc:
            raise ExtractionError(f"{filename} is not a readable PowerPoint file: {exc}") from exc
        return ExtractedDocument(tuple(parts), {"title": title} if title else {})


__all__ = ["PptxExtractor"]
