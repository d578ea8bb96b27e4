"""Serving the built web console (``web/dist``) at ``/`` with a single-page-app fallback.

A GET or HEAD for a file inside the dist directory returns that file; any other path returns
``index.html`` (the SPA's router takes over) except under the API prefixes, which keep answering
404 in Dify's error shape. Hashed assets under ``/assets/`` are cached for a year; ``index.html``
is never cached, so a new build shows up on the next load.
"""

from __future__ import annotations

import functools
import gzip
import json
import mimetypes
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

API_PREFIXES = (
    "api",
    "v1",
    "console",
    "files",
    "openai",
    "health",
    "ready",
    "metrics",
    "mcp",
    "triggers",
    "e",
)
_IMMUTABLE = "public, max-age=31536000, immutable"
_NO_CACHE = "no-cache"
_COMPRESSIBLE = frozenset({".js", ".css", ".svg", ".json", ".txt", ".map"})


def default_dist_dir() -> Path:
    """``web/dist`` of the source checkout this package runs from (editable installs)."""
    return Path(__file__).resolve().parents[3] / "web" / "dist"


def is_api_path(path: str) -> bool:
    """Whether ``path`` (with or without a leading slash) belongs to an API prefix."""
    first = path.lstrip("/").split("/", 1)[0]
    return first in API_PREFIXES


def _inside(dist: Path, path: str) -> Path | None:
    """The regular file ``path`` names inside ``dist``, or None (refuses ``..`` escapes)."""
    if not path or "\x00" in path:
        return None
    candidate = (dist / path).resolve()
    if not candidate.is_relative_to(dist) or not candidate.is_file():
        return None
    return candidate


@functools.lru_cache(maxsize=256)
def _gzip(path: Path, mtime_ns: int) -> bytes:
    del mtime_ns  # part of the cache key: a rebuilt file is compressed again
    return gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)


def _compressed(path: Path, scope: Scope, cache: str) -> Response | None:
    """A gzip response for compressible files when the client accepts gzip (else None)."""
    if path.suffix not in _COMPRESSIBLE:
        return None
    accept = Headers(scope=scope).get("accept-encoding", "")
    if "gzip" not in accept.lower():
        return None
    body = _gzip(path, path.stat().st_mtime_ns)
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    headers = {"Cache-Control": cache, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    return Response(body, media_type=media_type, headers=headers)


def mount_webui(app: FastAPI, dist_dir: Path | None) -> bool:
    """Serve the build in ``dist_dir`` at ``/``; returns False (serving nothing) without one.

    The UI answers only requests no route matched (it is the router's default app), so routes
    included later still win whatever the order of calls in ``create_app``.
    """
    if dist_dir is None or not (dist_dir / "index.html").is_file():
        return False
    dist = dist_dir.resolve()
    index = dist / "index.html"
    not_found = app.router.default

    async def webui(scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", "/"))
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and not is_api_path(path):
            relative = path.lstrip("/")
            found = _inside(dist, relative)
            if found is not None and found != index:
                cache = _IMMUTABLE if relative.startswith("assets/") else _NO_CACHE
                response = _compressed(found, scope, cache) or FileResponse(
                    found, headers={"Cache-Control": cache}
                )
                await response(scope, receive, send)
                return
            if not relative.startswith("assets/"):  # a stale hashed asset stays a 404
                await FileResponse(index, headers={"Cache-Control": _NO_CACHE})(
                    scope, receive, send
                )
                return
        await not_found(scope, receive, send)

    app.router.default = webui
    return True


def console_openapi() -> dict[str, Any]:
    """The console API's OpenAPI schema, built without services (for the UI's client types)."""
    from yarrow.api import files
    from yarrow.api.console.router import console_router

    app = FastAPI(title="Yarrow console")
    app.include_router(console_router(), prefix="/console/api")
    app.include_router(files.console_router, prefix="/console/api")
    return app.openapi()


if __name__ == "__main__":  # ``python -m yarrow.api.webui`` prints the schema (``npm run gen:api``)
    json.dump(console_openapi(), sys.stdout, indent=1, sort_keys=True)
