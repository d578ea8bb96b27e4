"""PDF via pypdf (pure Python): one part per page with its text layer.

Scanned PDFs have no text layer; they yield empty pages and the caller reports
:class:`~yarrow.rag.errors.NoTextFound` (there is no OCR).
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import ClassVar

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PyPdfError

from yarrow.rag.documents import ExtractedDocument, ExtractedPart, ExtractionLimits
from yarrow.rag.errors import EncryptedDocument, ExtractionError
from yarrow.rag.extractors.base import check_chars, check_size

# pypdf signals malformed input with its own errors and, for some damage, with builtins.
_BROKEN = (
    PyPdfError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    RecursionError,
    zlib.error,
    struct.error,
    OSError,
)


class PdfExtractor:
    """``.pdf``."""

    name: ClassVar[str] = "pdf"
    extensions: ClassVar[tuple[str, ...]] = ("pdf",)

    def extract(self, data: bytes, *, filename: str, limits: ExtractionLimits) -> ExtractedDocument:
        """Pages in order, ``metadata["page"]`` 1-based; ``title``/``author`` when set."""
        check_size(data, filename=filename, limits=limits)
        if not data.lstrip()[:5].startswith(b"%PDF"):
            raise ExtractionError(f"{filename} is not a PDF file (no %PDF header).")
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise EncryptedDocument(f"{filename} is password-protected.")
            parts: list[ExtractedPart] = []
            total = 0
            for number, page in enumerate(reader.pages, start=1):
                text = page.extract_text() or ""
                total += len(text)
                check_chars(total, filename=filename, limits=limits)
                parts.append(ExtractedPart(text, {"page": number}))
            info = reader.metadata
            meta: dict[str, str | int | float | bool] = {"pages": len(parts)}
            if info is not None:
                if info.title:
                    meta["title"] = str(info.title)
                if info.author:
                    meta["author"] = str(info.author)
        except FileNotDecryptedError as exc:
            raise EncryptedDocument(f"{filename} is password-protected.") from exc
        except _BROKEN as exc:
            raise ExtractionError(f"{filename} is not a readable PDF: {exc}") from exc
        return ExtractedDocument(tuple(parts), meta)


__all__ = ["PdfExtractor"]
