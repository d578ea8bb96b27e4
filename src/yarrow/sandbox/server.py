"""The HTTP API of dify-sandbox, served over a :class:`~yarrow.sandbox.service.SandboxService`.

Routes and bodies are dify-sandbox's: ``GET /health`` -> ``"ok"``; ``POST /v1/sandbox/run`` with
``X-Api-Key`` and ``{language, code, preload, enable_network}`` -> ``{code: 0, message: "success",
data: {stdout, error}}`` where ``error`` is the run's standard error (plus a line naming the limit
that ended it, if one did); ``GET /v1/sandbox/dependencies?language=python3``. Errors use negative
codes: -400 (bad request, unsupported language), -401 (key), -503 (too many requests, HTTP 503).
A request asking for network when the service has none runs without network instead of failing.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from yarrow.sandbox.errors import SandboxBusy, UnsupportedLanguage
from yarrow.sandbox.jail import RunOutcome, Verdict
from yarrow.sandbox.service import SandboxConfig, SandboxService

logger = logging.getLogger(__name__)

#: Largest request body accepted (code plus preload plus JSON overhead).
MAX_REQUEST_BYTES = 8 << 20


def _reply(code: int, message: str, data: Any = None, status: int = 200) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "data": data}, status_code=status)


def create_app(config: SandboxConfig) -> FastAPI:
    """The sandbox ASGI app; the service (jails, cgroups) lives as long as the app's lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = SandboxService(config)
        app.state.service = service
        try:
            yield
        finally:
            service.close()

    app = FastAPI(
        title="Yarrow sandbox", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.api_key = config.api_key.encode()
    app.add_api_route("/health", health, methods=["GET"])
    app.add_api_route("/v1/sandbox/run", run, methods=["POST"])
    app.add_api_route("/v1/sandbox/dependencies", dependencies, methods=["GET"])
    app.add_api_route("/v1/sandbox/dependencies/refresh", dependencies, methods=["GET"])
    app.add_api_route("/v1/sandbox/dependencies/update", update_dependencies, methods=["POST"])
    app.add_api_route("/v1/sandbox/stats", stats, methods=["GET"])
    return app


def _authorized(request: Request) -> bool:
    given = request.headers.get("x-api-key", "").encode()
    return hmac.compare_digest(given, request.app.state.api_key)


def _service(request: Request) -> SandboxService:
    service: SandboxService = request.app.state.service
    return service


async def health() -> JSONResponse:
    """Liveness: ``"ok"`` (no key needed)."""
    return JSONResponse("ok")


async def run(request: Request) -> JSONResponse:
    """Run one program (see the module docstring for the contract)."""
    if not _authorized(request):
        return _reply(-401, "Unauthorized", status=401)
    body = await _read_json(request)
    if isinstance(body, JSONResponse):
        return body
    language, code = body.get("language"), body.get("code")
    preload, network = body.get("preload") or "", body.get("enable_network", False)
    if not isinstance(language, str) or not language or not isinstance(code, str) or not code:
        return _reply(-400, "language and code are required", status=400)
    if not isinstance(preload, str) or not isinstance(network, bool):
        return _reply(-400, "preload must be a string and enable_network a boolean", status=400)
    service = _service(request)
    try:
        outcome = await service.pool.run(language, code, preload=preload, enable_network=network)
    except UnsupportedLanguage:
        return _reply(-400, "unsupported language", status=400)
    except SandboxBusy:
        return _reply(-503, "Too many requests", status=503)
    except OSError as exc:  # the host refused to set up a jail (fork, setns, cgroup write, ...)
        logger.error("sandbox run could not start: %s", exc)
        return _reply(-500, f"the sandbox could not start the run: {exc.strerror}", status=500)
    data = {"stdout": outcome.stdout, "error": _error_text(outcome, service)}
    return _reply(0, "success", data)


async def dependencies(request: Request, language: str = "") -> JSONResponse:
    """Packages the runtime of ``language`` can import (fixed at start-up, read-only)."""
    if not _authorized(request):
        return _reply(-401, "Unauthorized", status=401)
    runtime = _service(request).pool.runtimes.get(language)
    if runtime is None:
        return _reply(-400, "unsupported language", status=400)
    deps = [{"name": name, "version": version} for name, version in runtime.packages]
    return _reply(0, "success", {"dependencies": deps})


async def update_dependencies(request: Request) -> JSONResponse:
    """Dify's re-install hook; our packages are the host's read-only ones, so nothing to do."""
    if not _authorized(request):
        return _reply(-401, "Unauthorized", status=401)
    return _reply(0, "success", {})


async def stats(request: Request) -> JSONResponse:
    """Per-service accounting: runs, rejections, CPU and wall time, peak memory, verdicts."""
    if not _authorized(request):
        return _reply(-401, "Unauthorized", status=401)
    return _reply(0, "success", _service(request).pool.stats.as_dict())


async def _read_json(request: Request) -> dict[str, Any] | JSONResponse:
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_REQUEST_BYTES:
            return _reply(-413, f"request larger than {MAX_REQUEST_BYTES} bytes", status=413)
    try:
        body = json.loads(raw)
    except ValueError:
        return _reply(-400, "request body is not valid JSON", status=400)
    if not isinstance(body, dict):
        return _reply(-400, "request body must be a JSON object", status=400)
    return body


def _error_text(outcome: RunOutcome, service: SandboxService) -> str:
    """Dify's ``error``: standard error, plus why the run was stopped when a limit ended it."""
    reason = outcome.describe(service.pool.limits)
    stderr = outcome.stderr
    if not reason or (stderr and outcome.verdict is Verdict.EXITED):
        return stderr
    if stderr and not stderr.endswith("\n"):
        stderr += "\n"
    return stderr + reason
