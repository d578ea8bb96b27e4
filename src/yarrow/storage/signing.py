"""Signed URLs for downloads proxied through Yarrow (when the backend cannot presign).

``sign`` produces ``<base_url>/<quoted key>?expires=<unix>&sign=<hmac>``; the route serving
``base_url`` calls ``verify`` with the key and query values, then streams the object from
storage. The signature is HMAC-SHA256 over the key and expiry, keyed by a secret derived from
``SECRET_KEY``; it cannot be moved to another key or extended.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
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
