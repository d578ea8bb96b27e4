"""The ASGI application: the routing table of DESIGN.md §2 on one port.

Built prefixes: ``/console/api``, ``/v1``, ``/api``, ``/files``, ``/openai/v1``, ``/health``,
``/ready``. Every other path (including the prefixes of components not built yet: ``/mcp``,
``/triggers``, ``/e``) answers 404 in Dify's error shape.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from yarrow import __version__
from yarrow.api import files, webui
from yarrow.api.console.router import console_router
from yarrow.api.errors import install_error_handlers
from yarrow.api.health import router as health_router
from yarrow.api.middleware import BodySizeLimitMiddleware, RequestIdMiddleware
from yarrow.api.openai.router import router as openai_router
from yarrow.api.service.router import service_router
from yarrow.api.web.routes import router as web_router
from yarrow.services.container import Services


def create_app(services: Services) -> FastAPI:
    """The whole HTTP surface over ``services``."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await services.runtime.aclose()  # model clients and the local model's child process
        await services.files.storage.close()
        services.chat.tasks.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Yarrow",
        version=__version__,
        openapi_url="/console/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(console_router(), prefix="/console/api")
    app.include_router(service_router(), prefix="/v1")
    app.include_router(openai_router, prefix="/openai/v1")
    app.include_router(files.service_router, prefix="/v1")
    app.include_router(files.console_router, prefix="/console/api")
    app.include_router(files.files_router, prefix="/files")
    app.include_router(web_router, prefix="/api")
    webui.mount_webui(app, webui.default_dist_dir())  # last: API routes win
    limits = services.settings.limits
    app.add_middleware(
        CORSMiddleware,
        allow_origin_regex=r"https?://.*",
        allow_credentials=False,
        allow_methods=["GET", "PUT", "POST", "DELETE", "OPTIONS", "PATCH"],
        allow_headers=["Content-Type", "Authorization", "X-App-Code"],
    )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=limits.yarrow_max_request_body_mb << 20)
    app.add_middleware(RequestIdMiddleware)
    return app
