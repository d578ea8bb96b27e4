"""Word ``.docx`` via python-docx: paragraphs and tables in body order, headings as Markdown."""

from __future__ import annotations

import io
import zipfile
from typing import ClassVar

import docx
from docx.opc.exceptions import OpcError
from docx.table import Table
from docx.text.paragraph import Paragraph

from yarrow.rag.documents import ExtractedDocument, ExtractedPart, ExtractionLimits
from yarrow.rag.errors import ExtractionError
from yarrow.rag.extractors.base import check_chars, check_size, check_zip

# lxml.etree.XMLSyntaxError (malformed XML parts) is a SyntaxError.
_BROKEN = (OpcError, SyntaxError, zipfile.BadZipFile, KeyError, ValueError, AttributeError)


def _paragraph(paragraph: Paragraph) -> str:
    text = paragraph.text.strip()
    if not text:
        return ""
    style = paragraph.style.name if paragraph.style is not None else ""
    if style and style.startswith("Heading "):
        level = style.removeprefix("Heading ").strip()
        if level.isdigit():
            return "#" * min(int(level), 6) + " " + text
    if style == "Title":
        return "# " + text
    return text


def _table(table: Table) -> str:
    rows = []
    for row in table.rows:
        cells = [cell.text.replace("\n", " ").replace("|", "\\|").strip() for cell in row.cells]
        rows.append("| " + " | ".join(cells) + " |")
    if len(rows) > 1:
        width = len(table.rows[0].cells)
        rows.insert(1, "|" + " --- |" * width)
    return "\n".join(rows)


class DocxExtractor:
    """``.docx`` (not the binary ``.doc`` format)."""

    name: ClassVar[str] = "docx"
    extensions: ClassVar[tuple[str, ...]] = ("docx",)

    def extract(self, data: bytes, *, filename: str, limits: ExtractionLimits) -> ExtractedDocument:
        """The body as one part: blocks separated by blank lines, tables as Markdown tables."""
        check_size(data, filename=filename, limits=limits)
        check_zip(data, filename=filename, limits=limits)
        try:
            document = docx.Document(io.BytesIO(data))
            blocks: list[str] = []
            total = 0
            for item in document.iter_inner_content():
                block = _paragraph(item) if isinstance(item, Paragraph) else _table(item)
                if block:
                    blocks.append(block)
                    total += len(block)
                    check_chars(total, filename=filename, limits=limits)
            props = document.core_properties
            meta = {k: v for k, v in (("title", props.title), ("author", props.author)) if v}
        except _BROKEN as exc:
            raise ExtractionError(f"{filename} is not a readable Word document: {exc}") from exc
        return ExtractedDocument((ExtractedPart("\n\n".join(blocks)),), meta)


__all__ = ["DocxExtractor"]
