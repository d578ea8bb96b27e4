"""Errors of the RAG text pipeline; each subclasses one category of :mod:`yarrow.errors`."""

from __future__ import annotations

from yarrow.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType


class UnsupportedFileType(UnsupportedMediaType):
    """No extractor handles this file type; the message lists the supported extensions."""

    code = "unsupported_file_type"
    default_message = "File type not supported."


class ExtractionError(InvalidInput):
    """The file is corrupt, truncated, or not what its extension claims."""

    code = "invalid_document"
    default_message = "The document could not be read."


class EncryptedDocument(ExtractionError):
    """The file is password-protected."""

    code = "encrypted_document"
    default_message = "The document is encrypted; upload an unprotected copy."


class NoTextFound(ExtractionError):
    """The file was read but holds no text (a scanned PDF, an empty sheet, ...)."""

    code = "no_text_found"
    default_message = "No text could be extracted from the document."


class DocumentTooLarge(PayloadTooLarge):
    """The file, or what it unpacks to, exceeds the extraction limits."""

    code = "file_too_large"
    default_message = "The document is larger than the extraction limit."


class InvalidProcessRule(InvalidInput):
    """Cleaning or segmentation rules are out of range or malformed."""

    code = "invalid_process_rule"
    default_message = "Invalid process rule."


__all__ = [
    "DocumentTooLarge",
    "EncryptedDocument",
    "ExtractionError",
    "InvalidProcessRule",
    "NoTextFound",
    "UnsupportedFileType",
]
