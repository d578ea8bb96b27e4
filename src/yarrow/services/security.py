"""Password hashing, opaque tokens and signed access tokens.

Passwords use Argon2id. Opaque tokens (API keys, refresh tokens, invitation tokens) are random and
stored as SHA-256 digests: they carry enough entropy that a slow hash adds nothing, and a digest
allows lookup. Access tokens are short-lived HS256 JWTs signed with ``SECRET_KEY``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from yarrow.db.base import unix_seconds, utcnow
from yarrow.errors import InvalidInput, Unauthorized

_ALPHANUMERIC = string.ascii_letters + string.digits
_PASSWORD_RULE = re.compile(r"^(?=.*[A-Za-z])(?=.*\d).{8,}$")
MAX_PASSWORD_LENGTH = 256


def random_token(length: int = 24) -> str:
    """``length`` random alphanumeric characters (Dify's API-key alphabet)."""
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


def digest(token: str) -> str:
    """Hex SHA-256 of an opaque token, the form in which tokens are stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_password_rule(password: str) -> None:
    """Raise InvalidInput unless the password has 8+ characters with letters and digits."""
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput("Password is too long.", params="password")
    if not _PASSWORD_RULE.match(password):
        raise InvalidInput(
            "Password must be at least 8 characters and contain letters and numbers.",
            params="password",
        )


class PasswordHasherService:
    """Argon2id hashing with a constant-time path for unknown accounts."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    @property
    def _dummy(self) -> str:
        """A hash to verify against when there is no account (made on first need)."""
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(random_token(32))
        return self._dummy_hash

    def hash(self, password: str) -> str:
        """A new Argon2id hash of ``password``."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True if ``password`` matches; spends the same effort when there is no hash."""
        try:
            return self._hasher.verify(password_hash or self._dummy, password) and bool(
                password_hash
            )
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True)
class AccessClaims:
    """What a valid access token says."""

    account_id: str
    session_id: str
    expires_at: int


class TokenSigner:
    """Issues and checks HS256 access tokens and CSRF tokens bound to an account."""

    _ALGORITHM = "HS256"

    def __init__(self, secret_key: str, access_minutes: int) -> None:
        if not secret_key:
            raise ValueError("secret_key must not be empty")
        self._key = secret_key
        self._access = timedelta(minutes=access_minutes)

    @property
    def access_seconds(self) -> int:
        """Lifetime of an access token in seconds."""
        return int(self._access.total_seconds())

    def issue_access(self, account_id: str, session_id: str) -> str:
        """A signed access token for ``account_id`` within session ``session_id``."""
        now = utcnow()
        payload = {
            "sub": account_id,
            "sid": session_id,
            "typ": "access",
            "iat": unix_seconds(now),
            "exp": unix_seconds(now + self._access),
        }
        return jwt.encode(payload, self._key, algorithm=self._ALGORITHM)

    def verify_access(self, token: str) -> AccessClaims:
        """Decode an access token; raise Unauthorized if invalid or expired."""
        payload = self._decode(token, "access")
        return AccessClaims(str(payload["sub"]), str(payload["sid"]), int(payload["exp"]))

    def issue_csrf(self, account_id: str) -> str:
        """A CSRF token tied to ``account_id`` (double-submit cookie pattern)."""
        now = utcnow()
        payload = {"sub": account_id, "typ": "csrf", "exp": unix_seconds(now + self._access)}
        return jwt.encode(payload, self._key, algorithm=self._ALGORITHM)

    def verify_csrf(self, token: str, account_id: str) -> None:
        """Raise Unauthorized unless ``token`` is a valid CSRF token of ``account_id``."""
        payload = self._decode(token, "csrf")
        if not hmac.compare_digest(str(payload.get("sub")), account_id):
            raise Unauthorized("Invalid CSRF token.")

    def _decode(self, token: str, kind: str) -> dict[str, Any]:
        try:
            payload: dict[str, Any] = jwt.decode(
                token, self._key, algorithms=[self._ALGORITHM], options={"require": ["exp", "sub"]}
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("Token has expired.", code="unauthorized") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("Invalid token.") from exc
        if payload.get("typ") != kind:
            raise Unauthorized("Invalid token.")
        return payload
