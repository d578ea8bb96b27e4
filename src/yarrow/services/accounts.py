"""Accounts: first-run setup, sign-in with throttling, sessions (refresh and logout).

Sign-in answers the same way whether or not an email exists: the same error, the same password
hashing effort, and the same throttling.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from yarrow.db.base import unix_seconds, utcnow
from yarrow.db.engine import Database
from yarrow.db.models import Account, AccountSession, LoginThrottle, Setup, Tenant, TenantMember
from yarrow.errors import Conflict, InvalidInput, PermissionDenied, QuotaExceeded, Unauthorized
from yarrow.services.permissions import Actor
from yarrow.services.security import (
    AccessClaims,
    PasswordHasherService,
    TokenSigner,
    check_password_rule,
    digest,
    random_token,
)

SETUP_VERSION = "0.1.0"
_INVALID_LOGIN = "Invalid email or password."
_IP_FAILURE_FACTOR = 4  # a client address may fail this many times more than one email


@dataclass(frozen=True)
class LoginPolicy:
    """Throttling of failed sign-ins."""

    max_failures: int = 5
    window_seconds: int = 900
    lockout_seconds: int = 86400
    refresh_days: float = 30


@dataclass(frozen=True)
class IssuedTokens:
    """Tokens handed to a client after sign-in or refresh."""

    access_token: str
    refresh_token: str
    csrf_token: str
    account_id: str


def normalise_email(email: str) -> str:
    """Trimmed, lower-cased email; raise InvalidInput if it does not look like one."""
    value = email.strip().lower()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or len(value) > 254 or " " in value:
        raise InvalidInput("Invalid email address.", params="email")
    return value


def check_name(name: str, field: str = "name", limit: int = 255) -> str:
    """Trimmed non-empty name of at most ``limit`` characters."""
    value = name.strip()
    if not value:
        raise InvalidInput(f"{field} must not be empty.", params=field)
    if len(value) > limit:
        raise InvalidInput(f"{field} must be at most {limit} characters.", params=field)
    return value


class AccountService:
    """Setup, sign-in, refresh and sign-out."""

    def __init__(
        self,
        database: Database,
        hasher: PasswordHasherService,
        signer: TokenSigner,
        policy: LoginPolicy,
        init_password: str = "",
    ) -> None:
        self._db = database
        self._hasher = hasher
        self._signer = signer
        self._policy = policy
        self._init_password = init_password

    # --- first run -----------------------------------------------------------------------------

    def is_setup(self) -> bool:
        """Whether first-run setup has completed."""
        with self._db.session() as session:
            return session.get(Setup, SETUP_VERSION) is not None

    def setup_at(self) -> int | None:
        """When setup completed, as Unix seconds, or ``None``."""
        with self._db.session() as session:
            row = session.get(Setup, SETUP_VERSION)
            return None if row is None else unix_seconds(row.setup_at)

    def setup(
        self,
        *,
        email: str,
        name: str,
        password: str,
        workspace_name: str | None = None,
        init_password: str | None = None,
    ) -> Actor:
        """Create the owner account and its first workspace, exactly once.

        Raises:
            PermissionDenied: INIT_PASSWORD is set and ``init_password`` does not match.
            Conflict: setup already happened (also when two setups race).
        """
        if self._init_password and not hmac.compare_digest(
            (init_password or "").encode(), self._init_password.encode()
        ):
            raise PermissionDenied("Invalid init password.", code="init_validate_failed")
        email = normalise_email(email)
        name = check_name(name)
        check_password_rule(password)
        workspace = check_name(workspace_name or f"{name}'s Workspace", "workspace_name")
        password_hash = self._hasher.hash(password)
        try:
            with self._db.transaction() as session:
                if session.get(Setup, SETUP_VERSION) is not None:
                    raise Conflict("Setup has already been completed.", code="already_setup")
                session.add(Setup(version=SETUP_VERSION))
                session.flush()  # the primary key makes a racing second setup fail here
                account = Account(name=name, email=email, password_hash=password_hash)
                tenant = Tenant(name=workspace)
                session.add_all([account, tenant])
                session.flush()
                session.add(
                    TenantMember(
                        tenant_id=tenant.id, account_id=account.id, role="owner", current=True
                    )
                )
                return Actor(account.id, tenant.id, "owner")
        except IntegrityError as exc:
            raise Conflict("Setup has already been completed.", code="already_setup") from exc

    # --- sign-in -------------------------------------------------------------------------------

    def login(self, email: str, password: str, client: str = "") -> IssuedTokens:
        """Check credentials and open a session.

        Raises:
            QuotaExceeded: too many recent failures for this email or client address.
            Unauthorized: wrong email or password (one message for both).
        """
        key = email.strip().lower()[:254]
        keys = [f"email:{key}"] + ([f"ip:{client}"] if client else [])
        self._check_not_locked(keys)
        with self._db.session() as session:
            account = session.scalar(select(Account).where(Account.email == key))
            password_hash = account.password_hash if account else None
        ok = self._hasher.verify(password_hash, password)
        if not ok or account is None or account.status != "active":
            self._record_failure(keys)
            raise Unauthorized(_INVALID_LOGIN, code="invalid_credentials")
        self._clear_failures(keys)
        with self._db.transaction() as session:
            db_account = session.get(Account, account.id)
            if db_account is not None:
                db_account.last_login_at = utcnow()
        return self._open_session(account.id)

    def refresh(self, refresh_token: str) -> IssuedTokens:
        """Rotate a refresh token: revoke the old session and open a new one."""
        now = utcnow()
        with self._db.transaction() as session:
            row = session.scalar(
                select(AccountSession).where(
                    AccountSession.refresh_token_hash == digest(refresh_token)
                )
            )
            if row is None or row.revoked_at is not None or row.expires_at <= now:
                raise Unauthorized("Invalid or expired refresh token.")
            row.revoked_at = now
            account_id = row.account_id
        return self._open_session(account_id)

    def logout(self, session_id: str) -> None:
        """Revoke a session; its access tokens stop working at once."""
        with self._db.transaction() as session:
            row = session.get(AccountSession, session_id)
            if row is not None and row.revoked_at is None:
                row.revoked_at = utcnow()

    def authenticate(self, access_token: str) -> AccessClaims:
        """The claims of a valid access token whose session and account are still active."""
        claims = self._signer.verify_access(access_token)
        with self._db.session() as session:
            row = session.get(AccountSession, claims.session_id)
            if row is None or row.revoked_at is not None or row.account_id != claims.account_id:
                raise Unauthorized("Session has ended; sign in again.")
            account = session.get(Account, claims.account_id)
            if account is None or account.status != "active":
                raise Unauthorized("Account is not active.")
        return claims

    def get_account(self, account_id: str) -> Account:
        """The account row (detached)."""
        with self._db.session() as session:
            account = session.get(Account, account_id)
            if account is None:
                raise Unauthorized("Account not found.")
            return account

    def _open_session(self, account_id: str) -> IssuedTokens:
        refresh = random_token(48)
        expires = utcnow() + timedelta(days=self._policy.refresh_days)
        with self._db.transaction() as session:
            row = AccountSession(
                account_id=account_id, refresh_token_hash=digest(refresh), expires_at=expires
            )
            session.add(row)
            session.flush()
            session_id = row.id
        return IssuedTokens(
            access_token=self._signer.issue_access(account_id, session_id),
            refresh_token=refresh,
            csrf_token=self._signer.issue_csrf(account_id),
            account_id=account_id,
        )

    # --- throttling ----------------------------------------------------------------------------

    def _check_not_locked(self, keys: list[str]) -> None:
        now = utcnow()
        with self._db.session() as session:
            rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
            if any(r.locked_until is not None and r.locked_until > now for r in rows):
                raise QuotaExceeded(
                    "Too many failed sign-in attempts. Try again later.",
                    code="login_rate_limited",
                )

    def _record_failure(self, keys: list[str]) -> None:
        now = utcnow()
        window = timedelta(seconds=self._policy.window_seconds)
        for key in keys:
            limit = self._policy.max_failures * (_IP_FAILURE_FACTOR if key[:3] == "ip:" else 1)
            for attempt in range(3):  # a concurrent first failure may insert the row first
                try:
                    self._count_failure(key, limit, now, window)
                    break
                except IntegrityError:
                    if attempt == 2:
                        raise

    def _count_failure(self, key: str, limit: int, now: datetime, window: timedelta) -> None:
        with self._db.transaction() as session:
            row = session.get(LoginThrottle, key, with_for_update=True)
            if row is None:
                row = LoginThrottle(key=key, failures=0, window_started_at=now)
                session.add(row)
            if row.window_started_at + window < now:
                row.failures, row.window_started_at = 0, now
            row.failures += 1
            if row.failures >= limit:
                row.locked_until = now + timedelta(seconds=self._policy.lockout_seconds)
                row.failures = 0

    def _clear_failures(self, keys: list[str]) -> None:
        with self._db.transaction() as session:
            for key in keys:
                if key.startswith("email:"):
                    row = session.get(LoginThrottle, key)
                    if row is not None:
                        session.delete(row)
