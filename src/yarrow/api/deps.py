"""Request dependencies: services, console identity, and Service API key grants."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request

from yarrow.cache import CacheUnavailable
from yarrow.errors import QuotaExceeded, Unauthorized
from yarrow.services.api_keys import KeyGrant
from yarrow.services.container import Services
from yarrow.services.permissions import Actor

logger = logging.getLogger(__name__)
ACCESS_COOKIE = "access_token"
REFRESH_COOKIE = "refresh_token"
CSRF_COOKIE = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_services(request: Request) -> Services:
    """The services of this process."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def bearer_token(request: Request) -> str:
    """The token of an ``Authorization: Bearer`` header, with Dify's exact 401 messages."""
    header = request.headers.get("Authorization")
    if header is None or " " not in header:
        raise Unauthorized("Authorization header must be provided and start with 'Bearer'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        raise Unauthorized("Authorization scheme must be 'Bearer'")
    token = token.strip()
    if not token:
        raise Unauthorized("Access token is invalid")
    return token


def _console_account(request: Request, services: ServicesDep) -> tuple[str, str]:
    """(account id, session id) of the console caller.

    A bearer token needs no CSRF header. A cookie session does, on every unsafe method: the
    ``X-CSRF-Token`` header must carry the ``csrf_token`` cookie's value.
    """
    header = request.headers.get("Authorization")
    if header:
        token, from_cookie = bearer_token(request), False
    else:
        cookie = request.cookies.get(ACCESS_COOKIE)
        if not cookie:
            raise Unauthorized("Sign in to continue.")
        token, from_cookie = cookie, True
    claims = services.accounts.authenticate(token)
    account_id = claims.account_id
    if from_cookie and request.method not in _SAFE_METHODS:
        csrf_header = request.headers.get(CSRF_HEADER, "")
        if not csrf_header or csrf_header != request.cookies.get(CSRF_COOKIE):
            raise Unauthorized("Missing or invalid CSRF token.", code="invalid_csrf_token")
        services.signer.verify_csrf(csrf_header, account_id)
    return account_id, claims.session_id


ConsoleSession = Annotated[tuple[str, str], Depends(_console_account)]


def _current_account_id(session: ConsoleSession) -> str:
    return session[0]


CurrentAccountId = Annotated[str, Depends(_current_account_id)]


def _current_actor(account_id: CurrentAccountId, services: ServicesDep) -> Actor:
    return services.workspaces.current_actor(account_id)


CurrentActor = Annotated[Actor, Depends(_current_actor)]


def _app_grant(request: Request, services: ServicesDep) -> KeyGrant:
    grant = services.api_keys.resolve(bearer_token(request), "app")
    _rate_limit(services, grant)
    request.state.api_grant = grant
    return grant


def _rate_limit(services: Services, grant: KeyGrant) -> None:
    """YARROW_API_KEY_RATE_LIMIT_PER_MINUTE per key; fails open if the limiter is down."""
    limit = services.settings.limits.yarrow_api_key_rate_limit_per_minute
    if not limit:
        return
    try:
        decision = services.cache.rate_limiter.hit(f"apikey:{grant.token_id}", limit, 60.0)
    except CacheUnavailable:
        logger.warning("rate limiter unavailable; request allowed")
        return
    if not decision.allowed:
        raise QuotaExceeded(
            f"Rate limit of {limit} requests per minute for this API key exceeded; retry in "
            f"{max(1, round(decision.reset_after))} s.",
            code="rate_limit_error",
        )


AppGrant = Annotated[KeyGrant, Depends(_app_grant)]


def _dataset_grant(request: Request, services: ServicesDep) -> KeyGrant:
    grant = services.api_keys.resolve(bearer_token(request), "dataset")
    _rate_limit(services, grant)
    request.state.api_grant = grant
    return grant


DatasetGrant = Annotated[KeyGrant, Depends(_dataset_grant)]
