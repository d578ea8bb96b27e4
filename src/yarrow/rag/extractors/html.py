"""HTML via Beautiful Soup's pure-Python parser: visible text with block structure kept."""

from __future__ import annotations

import re
from typing import ClassVar

from bs4 import BeautifulSoup

from yarrow.rag.documents import ExtractedDocument, ExtractedPart, ExtractionLimits
from yarrow.rag.extractors.base import check_chars, check_size, decode_text

_INVISIBLE = ("script", "style", "noscript", "template", "head", "svg", "iframe", "object")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_SPACES = re.compile(r"[ \t\r\f\v]+")


def html_to_text(markup: str) -> tuple[str, str]:
    """``(title, text)`` of an HTML string: scripts and styles dropped, one line per block."""
    soup = BeautifulSoup(markup, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(list(_INVISIBLE)):
        tag.decompose()
    text = soup.get_text("\n")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    joined = "\n".join(lines)
    return title, _BLANK_LINES.sub("\n\n", joined).strip()


class HtmlExtractor:
    """``.html`` / ``.htm``."""

    name: ClassVar[str] = "html"
    extensions: ClassVar[tuple[str, ...]] = ("html", "htm", "xhtml")

    def extract(self, data: bytes, *, filename: str, limits: ExtractionLimits) -> ExtractedDocument:
        """Visible text as one part; ``metadata["title"]`` from ``<title>`` when present."""
        check_size(data, filename=filename, limits=limits)
        title, text = html_to_text(decode_text(data, filename=filename))
        check_chars(len(text), filename=filename, limits=limits)
        return ExtractedDocument((ExtractedPart(text),), {"title": title} if title else {})


__all__ = ["HtmlExtractor", "html_to_text"]
