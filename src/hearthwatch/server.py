"""Running the ASGI app under uvicorn with our logging."""

from __future__ import annotations

import logging

import uvicorn

from hearthwatch.app import create_app
from hearthwatch.context import AppContext, build_context
from hearthwatch.db.migrate import upgrade
from hearthwatch.logs import configure_logging
from hearthwatch.settings import Settings

log = logging.getLogger("hearthwatch")


def prepare(settings: Settings, *, migrate: bool = True) -> AppContext:
    configure_logging(settings.log_level, as_json=settings.log_json)
    ctx = build_context(settings)
    if migrate:
        upgrade(settings.resolved_database_url)
    return ctx


def serve(settings: Settings, *, host: str, port: int, migrate: bool = True) -> None:
    ctx = prepare(settings, migrate=migrate)
    run(ctx, host=host, port=port)


def run(ctx: AppContext, *, host: str, port: int) -> None:
    log.info("listening", extra={"url": f"http://{host}:{port}/"})
    config = uvicorn.Config(
        create_app(ctx), host=host, port=port, log_config=None, access_log=False,
        server_header=False, proxy_headers=False,
    )
    uvicorn.Server(config).run()
