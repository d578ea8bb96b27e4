"""Web-app passports (Dify §1.4): anonymous end users of a published app's site.

``GET /api/passport`` with ``X-App-Code`` creates a browser end user and returns a signed token;
later calls present it (``Authorization: Bearer``, ``X-App-Passport`` or the ``passport-<code>``
cookie) together with the same app code. Tokens expire (Dify's anonymous ones do not).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt
from sqlalchemy import select

from yarrow.db.base import unix_seconds, utcnow
from yarrow.db.engine import Database
from yarrow.db.models import App, EndUser, Site, Tenant
from yarrow.errors import NotFound, PermissionDenied, Unauthorized
from yarrow.services.chat.store import ChatStore

BROWSER = "browser"
_SUBJECT = "Web API Passport"
_ALGORITHM = "HS256"


@dataclass(frozen=True)
class WebSession:
    """The app and end user a valid passport grants."""

    app: App
    site: Site
    end_user: EndUser


class PassportService:
    """Issues and checks web-app passports."""

    def __init__(
        self, database: Database, store: ChatStore, secret_key: str, lifetime_days: int = 30
    ) -> None:
        self._db = database
        self._store = store
        self._key = secret_key
        self._lifetime = timedelta(days=lifetime_days)

    def site(self, code: str) -> tuple[App, Site]:
        """The published app behind a site code (404 when unknown, 403 when switched off)."""
        if not code or len(code) > 64:
            raise Unauthorized("X-App-Code header is missing.", code="unauthorized")
        with self._db.session() as session:
            row = session.execute(
                select(App, Site).join(Site, Site.app_id == App.id).where(Site.code == code)
            ).first()
            if row is None:
                raise NotFound("Site not found.", code="app_not_found")
            app, site = row
            tenant = session.get(Tenant, app.tenant_id)
        if not app.enable_site or app.status != "normal":
            raise PermissionDenied("This web app is not available.", code="app_unavailable")
        if tenant is None or tenant.status != "normal":
            raise PermissionDenied("The workspace is archived.", code="workspace_archived")
        return app, site

    def issue(self, code: str) -> str:
        """A passport for a new anonymous browser end user of the site ``code``."""
        app, _ = self.site(code)
        end_user = self._store.end_user(app, str(uuid.uuid4()), BROWSER)
        now = utcnow()
        payload = {
            "iss": app.id,
            "sub": _SUBJECT,
            "app_id": app.id,
            "app_code": code,
            "end_user_id": end_user.id,
            "iat": unix_seconds(now),
            "exp": unix_seconds(now + self._lifetime),
        }
        return jwt.encode(payload, self._key, algorithm=_ALGORITHM)

    def verify(self, token: str, code: str) -> WebSession:
        """The session a passport grants for site ``code``; 401 when invalid or for another app."""
        try:
            payload = jwt.decode(
                token,
                self._key,
                algorithms=[_ALGORITHM],
                options={"require": ["exp", "end_user_id", "app_code"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized("Invalid or expired passport.") from exc
        if payload.get("sub") != _SUBJECT or payload.get("app_code") != code:
            raise Unauthorized("The passport does not belong to this app.")
        app, site = self.site(code)
        with self._db.session() as session:
            end_user = session.get(EndUser, str(payload["end_user_id"]))
        if end_user is None or end_user.app_id != app.id or end_user.type != BROWSER:
            raise Unauthorized("Invalid passport.")
        return WebSession(app, site, end_user)
