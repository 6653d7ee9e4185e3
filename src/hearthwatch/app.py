"""The ASGI application: API under `/api/v1`, OpenAPI at `/api/openapi.json`, web pages at `/`."""

from __future__ import annotations

import importlib
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from hearthwatch import __version__
from hearthwatch.accounts import auth_api, me_api
from hearthwatch.api import health
from hearthwatch.api.errors import install_error_handlers
from hearthwatch.api.middleware import RequestContextMiddleware
from hearthwatch.api.privacy_gate import PrivacyMiddleware
from hearthwatch.context import AppContext
from hearthwatch.devices import api as devices_api
from hearthwatch.devices import provision_api
from hearthwatch.events import api as events_api
from hearthwatch.events import settings_api as detection_api
from hearthwatch.homes import api as homes_api
from hearthwatch.media import api as media_api
from hearthwatch.media import clip_api, live_api
from hearthwatch.notify import api as notify_api
from hearthwatch.privacy import api as privacy_api
from hearthwatch.web import api_docs, pages
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
        # Served by `web.api_docs` from the service itself (the CSP allows no CDN).
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    # Each API router included straight into the app, not through an `/api/v1` router of
    # its own: FastAPI matches every level of inclusion twice per request, and the extra
    # level cost about 60 µs of each API request. FastAPI tries the routers in this order,
    # so the ones a signed-in app calls all the time come first (no two share a path).
    for part in (
        me_api,
        devices_api,
        media_api,
        live_api,
        clip_api,
        events_api,
        detection_api,
        homes_api,
        notify_api,
        health,
        auth_api,
        privacy_api,
        provision_api,
    ):
        app.include_router(part.router, prefix=API_PREFIX)
    app.include_router(api_docs.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_handlers(app)
    app.add_middleware(PrivacyMiddleware)
    app.add_middleware(RequestContextMiddleware)
    return app
