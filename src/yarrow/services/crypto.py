"""Encryption at rest for provider credentials, with a key derived from ``SECRET_KEY``.

Fernet (AES-128-CBC with HMAC-SHA256). Changing ``SECRET_KEY`` makes stored credentials
unreadable, which surfaces as a clear error asking to re-enter them.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from yarrow.errors import ConfigurationError


class CredentialCipher:
    """Encrypts and decrypts JSON objects."""

    def __init__(self, secret_key: str, purpose: bytes = b"yarrow provider credentials") -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
            secret_key.encode("utf-8")
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def encrypt(self, value: dict[str, Any]) -> str:
        """Ciphertext (ASCII) of ``value`` serialised as JSON."""
        return self._fernet.encrypt(json.dumps(value).encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> dict[str, Any]:
        """The object encrypted in ``token``.

        Raises:
            ConfigurationError: the token was made with another SECRET_KEY or was altered.
        """
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(token.encode("ascii")))
        except InvalidToken as exc:
            raise ConfigurationError(
                "Stored provider credentials cannot be decrypted (was SECRET_KEY changed?). "
                "Enter the credentials again."
            ) from exc
        return data
