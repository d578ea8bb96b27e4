"""Signed download URLs: storage keys proxied through Yarrow, and Dify's ``/files`` scheme.

:class:`ProxiedUrlSigner` produces ``<base_url>/<quoted key>?expires=<unix>&sign=<hmac>``; the
route serving ``base_url`` calls ``verify`` with the key and query values, then streams the
object from storage. The signature is HMAC-SHA256 over the key and expiry, keyed by a secret
derived from ``SECRET_KEY``; it cannot be moved to another key or extended.

:class:`FileUrlSigner` is Dify's own ``/files/{id}/file-preview?timestamp=&nonce=&sign=`` scheme,
for the file routes that keep Dify's contract.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from collections.abc import Callable
from urllib.parse import quote, urlencode

from yarrow.errors import PermissionDenied
from yarrow.storage.keys import check_key


class InvalidDownloadSignature(PermissionDenied):
    """A proxied download URL whose signature is wrong, or that has expired."""

    default_message = "Invalid or expired download link."


class ProxiedUrlSigner:
    """Signs and verifies proxied download URLs for storage keys."""

    def __init__(
        self, secret: bytes, base_url: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        if not secret:
            raise ValueError("ProxiedUrlSigner needs a non-empty secret")
        self._key = hmac.new(secret, b"yarrow.storage.proxied-download", hashlib.sha256).digest()
        self._base_url = base_url.rstrip("/")
        self._clock = clock

    def sign(self, key: str, *, expires_in: int) -> str:
        """URL granting a download of ``key`` for ``expires_in`` seconds."""
        check_key(key)
        if expires_in <= 0:
            raise ValueError("expires_in must be positive")
        expires = int(self._clock()) + expires_in
        query = urlencode({"expires": expires, "sign": self._signature(key, expires)})
        return f"{self._base_url}/{quote(key, safe='/')}?{query}"

    def verify(self, key: str, expires: str | int, sign: str) -> None:
        """Accept a request for ``key`` or raise :class:`InvalidDownloadSignature`."""
        try:
            expires_at = int(expires)
        except (TypeError, ValueError) as exc:
            raise InvalidDownloadSignature() from exc
        expected = self._signature(key, expires_at)
        if not hmac.compare_digest(expected, str(sign)):
            raise InvalidDownloadSignature()
        if expires_at < self._clock():
            raise InvalidDownloadSignature("Download link has expired.")

    def _signature(self, key: str, expires: int) -> str:
        message = f"{key}\n{expires}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class FileUrlSigner:
    """Dify's signed ``/files`` URLs, exactly: ``?timestamp=&nonce=&sign=``.

    ``sign`` is urlsafe-base64(HMAC-SHA256(SECRET_KEY, "<purpose>|<file_id>|<timestamp>|<nonce>"))
    and a URL is valid for ``FILES_ACCESS_TIMEOUT`` seconds, as in Dify's ``core/file/helpers``;
    upload and tool files use the purpose ``file-preview``, legacy image previews
    ``image-preview``.
    """

    def __init__(
        self,
        secret_key: str,
        files_url: str,
        *,
        access_timeout: int = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret_key:
            raise ValueError("FileUrlSigner needs the SECRET_KEY")
        self._key = secret_key.encode()
        self._files_url = files_url.rstrip("/")
        self._timeout = access_timeout
        self._clock = clock

    def file_preview_url(self, file_id: str, *, as_attachment: bool = False) -> str:
        """``{FILES_URL}/files/{id}/file-preview?...`` for an uploaded file."""
        query = self.signature(file_id)
        if as_attachment:
            query["as_attachment"] = "true"
        return f"{self._files_url}/files/{quote(file_id, safe='')}/file-preview?{urlencode(query)}"

    def image_preview_url(self, file_id: str) -> str:
        """``{FILES_URL}/files/{id}/image-preview?...`` (legacy image previews)."""
        query = self.signature(file_id, purpose="image-preview")
        return f"{self._files_url}/files/{quote(file_id, safe='')}/image-preview?{urlencode(query)}"

    def tool_file_url(self, tool_file_id: str, extension: str) -> str:
        """``{FILES_URL}/files/tools/{id}{.ext}?...`` for a file a tool produced."""
        query = self.signature(tool_file_id)
        name = quote(f"{tool_file_id}{extension}", safe=".")
        return f"{self._files_url}/files/tools/{name}?{urlencode(query)}"

    def signature(self, file_id: str, *, purpose: str = "file-preview") -> dict[str, str]:
        """The query parameters that grant access to ``file_id`` from now on."""
        timestamp = str(int(self._clock()))
        nonce = os.urandom(16).hex()
        return {
            "timestamp": timestamp,
            "nonce": nonce,
            "sign": self._sign(purpose, file_id, timestamp, nonce),
        }

    def verify(
        self, file_id: str, timestamp: str, nonce: str, sign: str, *, purpose: str = "file-preview"
    ) -> None:
        """Accept the request or raise :class:`InvalidDownloadSignature` (403)."""
        expected = self._sign(purpose, file_id, str(timestamp), str(nonce))
        if not hmac.compare_digest(expected.encode(), str(sign).encode()):
            raise InvalidDownloadSignature("Invalid request.")
        try:
            issued = int(timestamp)
        except ValueError as exc:
            raise InvalidDownloadSignature("Invalid request.") from exc
        if self._clock() - issued > self._timeout:
            raise InvalidDownloadSignature("Link expired.")

    def _sign(self, purpose: str, file_id: str, timestamp: str, nonce: str) -> str:
        message = f"{purpose}|{file_id}|{timestamp}|{nonce}".encode()
        return base64.urlsafe_b64encode(
            hmac.new(self._key, message, hashlib.sha256).digest()
        ).decode()
