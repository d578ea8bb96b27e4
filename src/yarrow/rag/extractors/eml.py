"""E-mail ``.eml`` (RFC 5322/MIME) with the standard library: headers plus the text body.

The plain-text body is preferred; an HTML-only message is converted with
:func:`~yarrow.rag.extractors.html.html_to_text`. Attachments are listed by name, not read.
"""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from typing import ClassVar

from yarrow.rag.documents import ExtractedDocument, ExtractedPart, ExtractionLimits
from yarrow.rag.errors import ExtractionError
from yarrow.rag.extractors.base import check_chars, check_size
from yarrow.rag.extractors.html import html_to_text

_HEADERS = ("subject", "from", "to", "cc", "date")


class EmlExtractor:
    """``.eml``."""

    name: ClassVar[str] = "eml"
    extensions: ClassVar[tuple[str, ...]] = ("eml",)

    def extract(self, data: bytes, *, filename: str, limits: ExtractionLimits) -> ExtractedDocument:
        """One part: ``Subject/From/To/Cc/Date`` lines, a blank line, then the body."""
        check_size(data, filename=filename, limits=limits)
        message = email.message_from_bytes(data, policy=policy.default)
        if not isinstance(message, EmailMessage) or not any(message.get(h) for h in _HEADERS):
            raise ExtractionError(f"{filename} is not an e-mail message (no mail headers).")
        try:
            headers = {h: str(message.get(h, "")).strip() for h in _HEADERS}
            body = self._body(message)
        except (LookupError, ValueError, TypeError) as exc:
            raise ExtractionError(f"{filename}: unreadable message body: {exc}") from exc
        attachments = [part.get_filename() or "unnamed" for part in message.iter_attachments()]
        lines = [f"{h.capitalize()}: {v}" for h, v in headers.items() if v]
        text = "\n".join(lines) + ("\n\n" + body if body else "")
        check_chars(len(text), filename=filename, limits=limits)
        meta: dict[str, str | int | float | bool] = {
            k: v for k, v in headers.items() if v and k in ("subject", "from", "date")
        }
        if attachments:
            meta["attachments"] = ", ".join(attachments)
        return ExtractedDocument((ExtractedPart(text),), meta)

    @staticmethod
    def _body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = part.get_content()
        if not isinstance(content, str):
            return ""
        if part.get_content_subtype() == "html":
            return html_to_text(content)[1]
        return content.replace("\r\n", "\n").strip()


__all__ = ["EmlExtractor"]
