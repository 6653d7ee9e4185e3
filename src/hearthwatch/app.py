"""The ASGI application: API under `/api/v1`, OpenAPI at `/api/openapi.json`, web pages at `/`."""

from __future__ import annotations

import importlib
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from hearthwatch import __version__
from hearthwatch.accounts import auth_api, me_api
from hearthwatch.api import health
from hearthwatch.api.errors import install_error_handlers
from hearthwatch.api.middleware import RequestContextMiddleware
from hearthwatch.context import AppContext
from hearthwatch.devices import api as devices_api
from hearthwatch.media import api as media_api
from hearthwatch.privacy import api as privacy_api
from hearthwatch.privacy.gate import PrivacyMiddleware
from hearthwatch.web import pages
from hearthwatch.web.paths import STATIC_DIR

API_PREFIX = "/api/v1"
WEBRTC_WARM_UP_S = 1.0


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the WebRTC stack soon after start-up; at shutdown, close its peer connections
    (they live on the server's loop)."""
    if app.state.ctx.settings.recorder_enabled:
        # aiortc and PyAV take a few hundred ms to import: not on the first viewer's time,
        # nor on the way to the first answer.
        warm_up = threading.Timer(
            WEBRTC_WARM_UP_S, importlib.import_module, args=("hearthwatch.media.webrtc",)
        )
        warm_up.daemon = True
        warm_up.start()
    yield
    peers = getattr(app.state, "webrtc", None)
    if peers is not None:
        await peers.close_all()


def create_app(ctx: AppContext) -> FastAPI:
    """Build the application around an already-wired context."""
    app = FastAPI(
        title="Hearthwatch",
        version=__version__,
        description="Self-hostable camera and smart-device cloud with privacy built in.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    api = APIRouter(prefix=API_PREFIX)
    api.include_router(health.router)
    api.include_router(auth_api.router)
    api.include_router(me_api.router)
    api.include_router(devices_api.router)
    api.include_router(media_api.router)
    api.include_router(privacy_api.router)
    app.include_router(api)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_handlers(app)
    app.add_middleware(PrivacyMiddleware)
    app.add_middleware(RequestContextMiddleware)
    return app
