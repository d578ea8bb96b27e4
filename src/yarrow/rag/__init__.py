"""Retrieval-augmented generation: extract, clean, split, embed, index; retrieve, fuse, rerank.

The text side needs no database or network: :func:`~yarrow.rag.extractors.extract_file` turns a
file into text parts, :class:`~yarrow.rag.chunking.ProcessRule` cleans and chunks it (general or
parent-child). Lengths are characters throughout.
"""

from yarrow.rag.chunking import Chunk, ParentChildRules, ProcessRule, split_parent_child
from yarrow.rag.cleaning import CleaningRules, clean
from yarrow.rag.documents import ExtractedDocument, ExtractedPart, ExtractionLimits
from yarrow.rag.errors import (
    DocumentTooLarge,
    EncryptedDocument,
    ExtractionError,
    InvalidProcessRule,
    NoTextFound,
    UnsupportedFileType,
)
from yarrow.rag.splitting import SplitRules, split_text

__all__ = [
    "Chunk",
    "CleaningRules",
    "DocumentTooLarge",
    "EncryptedDocument",
    "ExtractedDocument",
    "ExtractedPart",
    "ExtractionError",
    "ExtractionLimits",
    "InvalidProcessRule",
    "NoTextFound",
    "ParentChildRules",
    "ProcessRule",
    "SplitRules",
    "UnsupportedFileType",
    "clean",
    "split_parent_child",
    "split_text",
]
