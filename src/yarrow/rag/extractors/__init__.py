"""Document extractors by file extension, fed by the ``yarrow.document_extractors`` entry points.

``extract_file(data, filename)`` is the one entry: it picks the extractor by extension, enforces
:class:`~yarrow.rag.documents.ExtractionLimits`, and refuses files that yield no text.
"""

from __future__ import annotations

import functools
from importlib.metadata import EntryPoint, entry_points

from yarrow.rag.documents import ExtractedDocument, ExtractionLimits
from yarrow.rag.errors import NoTextFound, UnsupportedFileType
from yarrow.rag.extractors.base import Extractor

ENTRY_POINT_GROUP = "yarrow.document_extractors"
_PACKAGE = "yarrow.rag.extractors"

#: Built-in extractors by extension, as ``module:Class``. They are imported only when a file of
#: that extension is extracted, so PDF, Office and HTML libraries stay out of processes that
#: never extract (``yarrow serve`` at idle).
BUILTIN_EXTRACTORS: dict[str, str] = {
    **dict.fromkeys(("txt", "text"), f"{_PACKAGE}.text:TextExtractor"),
    **dict.fromkeys(("md", "markdown", "mdx"), f"{_PACKAGE}.text:MarkdownExtractor"),
    **dict.fromkeys(("html", "htm", "xhtml"), f"{_PACKAGE}.html:HtmlExtractor"),
    "pdf": f"{_PACKAGE}.pdf:PdfExtractor",
    "docx": f"{_PACKAGE}.docx:DocxExtractor",
    **dict.fromkeys(("csv", "tsv"), f"{_PACKAGE}.tabular:CsvExtractor"),
    **dict.fromkeys(("xlsx", "xlsm"), f"{_PACKAGE}.tabular:XlsxExtractor"),
    "pptx": f"{_PACKAGE}.pptx:PptxExtractor",
    **dict.fromkeys(("json", "jsonl"), f"{_PACKAGE}.jsonfile:JsonExtractor"),
    "eml": f"{_PACKAGE}.eml:EmlExtractor",
}


class ExtractorRegistry:
    """File extensions (lower case, no dot) mapped to extractors."""

    def __init__(self, extractors: dict[str, Extractor] | None = None) -> None:
        self._by_extension: dict[str, Extractor] = dict(extractors or {})
        self._pending: dict[str, EntryPoint] = {}

    @classmethod
    def default(cls) -> ExtractorRegistry:
        """The built-ins plus every extractor registered under the entry-point group.

        Entry points are named by extension and point at an extractor class; they are imported
        only when a file of that extension is extracted, and override built-ins.
        """
        registry = cls()
        for extension, target in BUILTIN_EXTRACTORS.items():
            registry._pending[extension] = EntryPoint(extension, target, ENTRY_POINT_GROUP)
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            registry._pending[entry.name.lower()] = entry
        return registry

    def register(self, extractor: Extractor, extensions: tuple[str, ...] | None = None) -> None:
        """Use ``extractor`` for ``extensions`` (default: the ones it declares)."""
        for ext in extensions or extractor.extensions:
            key = ext.lower().lstrip(".")
            self._by_extension[key] = extractor
            self._pending.pop(key, None)

    def extensions(self) -> list[str]:
        """Every supported extension, sorted."""
        return sorted({*self._by_extension, *self._pending})

    def for_filename(self, filename: str) -> Extractor:
        """The extractor for ``filename``'s extension; raises :class:`UnsupportedFileType`."""
        ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        entry = self._pending.pop(ext, None)
        if entry is not None:
            self._by_extension[ext] = entry.load()()
        extractor = self._by_extension.get(ext)
        if extractor is None:
            raise UnsupportedFileType(
                f"No extractor for {filename!r}. Supported: {', '.join(self.extensions())}."
            )
        return extractor

    def extract(
        self, data: bytes, filename: str, limits: ExtractionLimits | None = None
    ) -> ExtractedDocument:
        """Extract ``data`` named ``filename``.

        Raises:
            UnsupportedFileType: no extractor for the extension.
            ExtractionError: the file is corrupt, encrypted, or yields no text
                (:class:`NoTextFound`).
            DocumentTooLarge: the file or its content exceeds ``limits``.
        """
        extractor = self.for_filename(filename)
        document = extractor.extract(data, filename=filename, limits=limits or ExtractionLimits())
        if not document.text.strip():
            raise NoTextFound(f"No text could be extracted from {filename!r}.")
        return document


@functools.cache
def default_registry() -> ExtractorRegistry:
    """The process-wide :meth:`ExtractorRegistry.default` (entry points are read once)."""
    return ExtractorRegistry.default()


def extract_file(
    data: bytes, filename: str, limits: ExtractionLimits | None = None
) -> ExtractedDocument:
    """Extract with the default registry; see :meth:`ExtractorRegistry.extract`."""
    return default_registry().extract(data, filename, limits)


__all__ = [
    "BUILTIN_EXTRACTORS",
    "ENTRY_POINT_GROUP",
    "ExtractorRegistry",
    "default_registry",
    "extract_file",
]
