"""First-run setup, sign-in, token refresh, sign-out and the signed-in account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from yarrow.api.console.schemas import AcceptBody, ActivateBody, LoginBody, RefreshBody, SetupBody
from yarrow.api.deps import (
    ACCESS_COOKIE,
    CSRF_COOKIE,
    REFRESH_COOKIE,
    ConsoleSession,
    CurrentAccountId,
    ServicesDep,
)
from yarrow.db.base import unix_seconds
from yarrow.errors import Unauthorized
from yarrow.services.accounts import IssuedTokens

router = APIRouter()


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def _set_cookies(
    request: Request, response: Response, tokens: IssuedTokens, services: ServicesDep
) -> None:
    secure = request.url.scheme == "https"
    settings = services.settings.core
    access_age = settings.access_token_expire_minutes * 60
    refresh_age = int(settings.refresh_token_expire_days * 86400)
    response.set_cookie(
        ACCESS_COOKIE,
        tokens.access_token,
        max_age=access_age,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )
    response.set_cookie(
        REFRESH_COOKIE,
        tokens.refresh_token,
        max_age=refresh_age,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        tokens.csrf_token,
        max_age=access_age,
        httponly=False,
        secure=secure,
        samesite="lax",
        path="/",
    )


def _token_body(tokens: IssuedTokens) -> dict[str, Any]:
    return {
        "result": "success",
        "data": {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "csrf_token": tokens.csrf_token,
        },
    }


@router.get("/setup")
def setup_status(services: ServicesDep) -> dict[str, Any]:
    """Whether first-run setup has happened."""
    at = services.accounts.setup_at()
    return {"step": "finished" if at else "not_started", "setup_at": at}


@router.post("/setup", status_code=201)
def setup(body: SetupBody, services: ServicesDep) -> dict[str, Any]:
    """Create the owner account and the first workspace (once)."""
    services.accounts.setup(
        email=body.email,
        name=body.name,
        password=body.password,
        workspace_name=body.workspace_name,
        init_password=body.init_password,
    )
    return {"result": "success"}


@router.post("/login")
def login(
    body: LoginBody, request: Request, response: Response, services: ServicesDep
) -> dict[str, Any]:
    """Sign in; tokens come back both as httpOnly cookies and in the body (for scripts)."""
    tokens = services.accounts.login(body.email, body.password, client=_client(request))
    _set_cookies(request, response, tokens, services)
    return _token_body(tokens)


@router.post("/refresh-token")
def refresh(
    body: RefreshBody | None, request: Request, response: Response, services: ServicesDep
) -> dict[str, Any]:
    """Rotate the refresh token (from the body or the cookie) and issue new tokens."""
    token = (body.refresh_token if body else None) or request.cookies.get(REFRESH_COOKIE)
    if not token:
        raise Unauthorized("Refresh token is missing.")
    tokens = services.accounts.refresh(token)
    _set_cookies(request, response, tokens, services)
    return _token_body(tokens)


@router.post("/logout")
def logout(session: ConsoleSession, response: Response, services: ServicesDep) -> dict[str, Any]:
    """End the session: its tokens stop working, cookies are cleared."""
    services.accounts.logout(session[1])
    for name in (ACCESS_COOKIE, REFRESH_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/")
    return {"result": "success"}


@router.get("/account/profile")
def profile(account_id: CurrentAccountId, services: ServicesDep) -> dict[str, Any]:
    """The signed-in account."""
    account = services.accounts.get_account(account_id)
    return {
        "id": account.id,
        "name": account.name,
        "email": account.email,
        "interface_language": account.interface_language,
        "timezone": account.timezone,
        "last_login_at": unix_seconds(account.last_login_at),
        "created_at": unix_seconds(account.created_at),
    }


@router.post("/activate")
def activate(body: ActivateBody, services: ServicesDep) -> dict[str, Any]:
    """Create an account from an invitation and join its workspace."""
    actor = services.workspaces.accept(body.token, name=body.name, password=body.password)
    return {"result": "success", "data": {"workspace_id": actor.tenant_id, "role": actor.role}}


@router.post("/workspaces/invitations/accept")
def accept(body: AcceptBody, account_id: CurrentAccountId, services: ServicesDep) -> dict[str, Any]:
    """A signed-in account joins the workspace it was invited to."""
    actor = services.workspaces.accept(body.token, account_id=account_id)
    return {"result": "success", "data": {"workspace_id": actor.tenant_id, "role": actor.role}}
