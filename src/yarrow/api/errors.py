"""The one mapping from errors to HTTP responses, in Dify's JSON shape.

Every error response body is ``{"code": str, "message": str, "status": int}`` (plus ``params`` when
a field is at fault). 401 responses carry ``WWW-Authenticate: Bearer realm="api"``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from yarrow.errors import YarrowError

logger = logging.getLogger(__name__)

_STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "request_entity_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_server_error",
    503: "service_unavailable",
}
_DEFAULT_MESSAGES: dict[int, str] = {
    404: "The requested URL was not found on the server.",
    405: "The method is not allowed for the requested URL.",
}
INVALID_JSON = "Invalid JSON payload received or JSON payload is empty."
OPENAI_PREFIX = "/openai/"


def error_body(code: str, message: str, status: int, params: str | None = None) -> dict[str, Any]:
    """Dify's error body."""
    body: dict[str, Any] = {"code": code, "message": message, "status": status}
    if params:
        body["params"] = params
    return body


def error_response(code: str, message: str, status: int, params: str | None = None) -> JSONResponse:
    """A JSON error response in Dify's shape."""
    headers = {"WWW-Authenticate": 'Bearer realm="api"'} if status == 401 else None
    return JSONResponse(
        error_body(code, message, status, params), status_code=status, headers=headers
    )


def openai_error_response(
    code: str, message: str, status: int, params: str | None = None
) -> JSONResponse:
    """OpenAI's error body, for the ``/openai`` surface."""
    kind = "invalid_request_error" if status < 500 else "server_error"
    if status == 401:
        kind = "authentication_error"
    return JSONResponse(
        {"error": {"message": message, "type": kind, "code": code, "param": params}},
        status_code=status,
    )


def _respond(
    request: Request, code: str, message: str, status: int, params: str | None = None
) -> JSONResponse:
    if request.url.path.startswith(OPENAI_PREFIX):
        return openai_error_response(code, message, status, params)
    return error_response(code, message, status, params)


def _validation_message(exc: RequestValidationError) -> tuple[str, str, str | None]:
    errors = exc.errors()
    if not errors:
        return "invalid_param", "Invalid parameter.", None
    first = errors[0]
    if first.get("type") in {"json_invalid", "model_attributes_type"} or (
        first.get("loc") == ("body",) and first.get("type") == "missing"
    ):
        return "bad_request", INVALID_JSON, None
    location = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    field = ".".join(location) or None
    message = str(first.get("msg", "Invalid parameter."))
    if field:
        message = f"{field}: {message}"
    return "invalid_param", message, field


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into Dify's shape."""

    @app.exception_handler(YarrowError)
    async def _yarrow(request: Request, exc: YarrowError) -> JSONResponse:
        if exc.status >= 500:
            logger.error("request failed: %s", exc.message)
        return _respond(request, exc.error_code, exc.message, exc.status, exc.params)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        code, message, field = _validation_message(exc)
        return _respond(request, code, message, 400, field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        cause = exc.__cause__
        if isinstance(cause, YarrowError):  # e.g. a body cap hit while FastAPI read the body
            return _respond(request, cause.error_code, cause.message, cause.status, cause.params)
        status = exc.status_code
        code = _STATUS_CODES.get(status, "bad_request" if status < 500 else "internal_server_error")
        detail = exc.detail if isinstance(exc.detail, str) else ""
        generic = detail in ("Not Found", "Method Not Allowed", "")
        message = _DEFAULT_MESSAGES.get(status, detail) if generic else detail
        return _respond(request, code, message or code.replace("_", " ").capitalize(), status)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error", exc_info=exc)
        return _respond(request, "internal_server_error", "Internal Server Error", 500)
