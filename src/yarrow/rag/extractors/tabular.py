"""CSV and Excel ``.xlsx``: one part per data row, rendered ``header: value;header: value``.

This is Dify's CSV row format, so spreadsheets of Q&A pairs or catalog entries become one chunk
per row. The first non-empty row is the header; blank header cells become ``column N``; empty
values are left out of the row text.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import Any, ClassVar
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from yarrow.rag.documents import ExtractedDocument, ExtractedPart, ExtractionLimits
from yarrow.rag.errors import ExtractionError
from yarrow.rag.extractors.base import check_chars, check_size, check_zip, decode_text

_XLSX_BROKEN = (
    InvalidFileException,
    ParseError,
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    TypeError,
)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _rows_to_parts(
    rows: Iterable[Sequence[Any]],
    *,
    filename: str,
    limits: ExtractionLimits,
    base_meta: dict[str, str | int | float | bool],
    start_total: int = 0,
) -> tuple[list[ExtractedPart], int]:
    header: list[str] | None = None
    parts: list[ExtractedPart] = []
    total = start_total
    number = 0
    for raw in rows:
        cells = [_cell(v) for v in raw]
        if not any(cells):
            continue
        if header is None:
            header = [c or f"column {i}" for i, c in enumerate(cells, start=1)]
            continue
        number += 1
        pairs = []
        for i, value in enumerate(cells):
            if value:
                name = header[i] if i < len(header) else f"column {i + 1}"
                pairs.append(f"{name}: {value}")
        text = ";".join(pairs)
        total += len(text)
        check_chars(total, filename=filename, limits=limits)
        parts.append(ExtractedPart(text, {**base_meta, "row": number}))
    return parts, total


class CsvExtractor:
    """``.csv`` (delimiter sniffed among ``,`` ``;`` tab ``|``)."""

    name: ClassVar[str] = "csv"
    extensions: ClassVar[tuple[str, ...]] = ("csv", "tsv")

    def extract(self, data: bytes, *, filename: str, limits: ExtractionLimits) -> ExtractedDocument:
        """One part per data row, ``metadata["row"]`` 1-based."""
        check_size(data, filename=filename, limits=limits)
        text = decode_text(data, filename=filename)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
                text[:8192], delimiters=",;\t|"
            )
        except csv.Error:
            dialect = csv.excel_tab if filename.lower().endswith(".tsv") else csv.excel
        try:
            rows = csv.reader(io.StringIO(text, newline=""), dialect)
            parts, _ = _rows_to_parts(rows, filename=filename, limits=limits, base_meta={})
        except csv.Error as exc:
            raise ExtractionError(f"{filename} is not valid CSV: {exc}") from exc
        return ExtractedDocument(tuple(parts))


class XlsxExtractor:
    """Excel ``.xlsx`` / ``.xlsm`` (cached formula values; macros never run)."""

    name: ClassVar[str] = "xlsx"
    extensions: ClassVar[tuple[str, ...]] = ("xlsx", "xlsm")

    def extract(self, data: bytes, *, filename: str, limits: ExtractionLimits) -> ExtractedDocument:
        """One part per data row of every sheet, ``metadata`` ``sheet`` and ``row`` (1-based)."""
        check_size(data, filename=filename, limits=limits)
        check_zip(data, filename=filename, limits=limits)
        parts: list[ExtractedPart] = []
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                total = 0
                for sheet in book.worksheets:
                    rows = sheet.iter_rows(values_only=True)
                    sheet_parts, total = _rows_to_parts(
                        rows,
                        filename=filename,
                        limits=limits,
                        base_meta={"sheet": sheet.title},
                        start_total=total,
                    )
                    parts.extend(sheet_parts)
            finally:
                book.close()
        except _XLSX_BROKEN as exc:
            raise ExtractionError(f"{filename} is not a readable Excel workbook: {exc}") from exc
        return ExtractedDocument(tuple(parts))


__all__ = ["CsvExtractor", "XlsxExtractor"]
