"""Passport authentication of the web-app API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from yarrow.api.deps import ServicesDep
from yarrow.errors import Unauthorized
from yarrow.services.passports import WebSession

APP_CODE_HEADER = "X-App-Code"


def app_code(request: Request) -> str:
    """The site code every web-app call carries."""
    code = request.headers.get(APP_CODE_HEADER, "")
    if not code:
        raise Unauthorized("X-App-Code header is missing.")
    return code


def _passport(request: Request, code: str) -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return (
        request.headers.get("X-App-Passport")
        or request.cookies.get(f"passport-{code}")
        or request.cookies.get(f"__Host-passport-{code}")
        or ""
    )


def _web_session(request: Request, services: ServicesDep) -> WebSession:
    code = app_code(request)
    token = _passport(request, code)
    if not token:
        raise Unauthorized("A passport is required; call /api/passport first.")
    return services.passports.verify(token, code)


WebSessionDep = Annotated[WebSession, Depends(_web_session)]
