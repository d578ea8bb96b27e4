"""The extractor interface and the checks every extractor shares.

An extractor turns the bytes of one file into an :class:`ExtractedDocument`. It never touches the
network or the filesystem, raises only :mod:`yarrow.rag.errors` errors (vendor exceptions are
translated and chained), and respects :class:`ExtractionLimits`.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from typing import ClassVar, Protocol

from charset_normalizer import from_bytes

from yarrow.rag.documents import ExtractedDocument, ExtractionLimits
from yarrow.rag.errors import DocumentTooLarge, ExtractionError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class Extractor(Protocol):
    """Reads one file type."""

    name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]

    def extract(self, data: bytes, *, filename: str, limits: ExtractionLimits) -> ExtractedDocument:
        """Parse ``data``; raise ``ExtractionError`` (or a subclass) if it is not readable."""
        ...


def decode_text(data: bytes, *, filename: str) -> str:
    """Decode text bytes: a BOM wins, then UTF-8, then the best detected charset.

    Raises:
        ExtractionError: the bytes look binary (NUL bytes without a UTF-16/32 BOM) or no
            charset decodes them.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ExtractionError(f"{filename}: invalid {encoding} text.") from exc
    if b"\x00" in data:
        raise ExtractionError(f"{filename}: looks like a binary file, not text.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise ExtractionError(f"{filename}: the text encoding could not be determined.")
    return str(best)


def check_size(data: bytes, *, filename: str, limits: ExtractionLimits) -> None:
    """Raise :class:`DocumentTooLarge` if ``data`` exceeds ``limits.max_bytes``."""
    if len(data) > limits.max_bytes:
        raise DocumentTooLarge(
            f"{filename} is {len(data)} bytes; the limit is {limits.max_bytes} bytes."
        )


def check_zip(data: bytes, *, filename: str, limits: ExtractionLimits) -> None:
    """Validate a zip-based (OOXML) file before a library unpacks it.

    Raises:
        ExtractionError: not a zip archive.
        DocumentTooLarge: too many members or too many uncompressed bytes (zip bomb).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise ExtractionError(f"{filename} is not a valid Office Open XML (zip) file.") from exc
    if len(members) > limits.max_archive_members:
        raise DocumentTooLarge(f"{filename} holds {len(members)} archive entries; too many.")
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.max_unpacked_bytes:
        raise DocumentTooLarge(
            f"{filename} unpacks to {unpacked} bytes; the limit is {limits.max_unpacked_bytes}."
        )


def check_chars(text_length: int, *, filename: str, limits: ExtractionLimits) -> None:
    """Raise :class:`DocumentTooLarge` once extracted text exceeds ``limits.max_chars``."""
    if text_length > limits.max_chars:
        raise DocumentTooLarge(f"{filename} yields more than {limits.max_chars} characters.")


__all__ = ["Extractor", "check_chars", "check_size", "check_zip", "decode_text"]
