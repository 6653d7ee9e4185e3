"""Running the ASGI app under uvicorn with our logging.

One process by default. With `workers > 1` the parent migrates the schema and creates the
master key once, then uvicorn's supervisor starts that many worker processes on one shared
socket; each builds its own context from the same `HEARTHWATCH_*` settings (`app_from_env`).
Python runs one request's Python code at a time per process, so on a multi-core machine
workers are what lets the API use more than one core. In-memory state is per process: the
sign-in and code rate limits count per worker, so N workers allow up to N times as many
attempts per minute (the per-account lock-out is in the database and stays exact).

Background work (jobs/: the periodic jobs and the queue) has one runner per node, never
one per API worker: the serving process starts it when it serves alone, the supervising
process when several workers serve (it serves no requests itself, so a long job takes no
worker's time, and a restarted worker does not take the runner down with it).
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import uvicorn

from hearthwatch import server_log
from hearthwatch.allocator import keep_large_buffers
from hearthwatch.context import AppContext, build_context
from hearthwatch.logs import configure_logging
from hearthwatch.settings import Settings, is_loopback
from hearthwatch.tls import CannotServe, uvicorn_tls_options

if TYPE_CHECKING:
    from fastapi import FastAPI

    from hearthwatch.jobs.runner import Runner

log = logging.getLogger("hearthwatch")

UVICORN_OPTIONS: dict[str, Any] = {
    "log_config": None,
    "access_log": False,  # our middleware logs each request
    "server_header": False,
    "proxy_headers": False,
    # The standard event loop, not uvloop: under saturation uvloop served some connections
    # seconds late (p99 ~1 s against a p50 of 70 ms in bench/api_throughput.py), while the
    # standard loop answers in arrival order (p99 within 1.4x of p50) for ~20% more CPU.
    "loop": "asyncio",
}


def configure_process_logs(settings: Settings) -> None:
    """The console log and, on disk, the server log (P36) of this process."""
    configure_logging(settings.log_level, as_json=settings.log_json)
    server_log.install(settings.data_dir, days=settings.server_log_days)


def prepare(settings: Settings, *, migrate: bool = True) -> AppContext:
    configure_process_logs(settings)
    if not settings.data_region and settings.environment == "production":
        log.warning(
            "HEARTHWATCH_DATA_REGION is not set: the privacy notice says the region where "
            "personal data is stored was not named (P46); set it to your server's country "
            "or region"
        )
    ctx = build_context(settings)
    if migrate:
        # Imported here, like the app below, so that each process loads only what it uses:
        # worker processes never migrate, and a supervising parent never serves.
        from hearthwatch.db.migrate import upgrade_if_behind
        from hearthwatch.security.sealed_rows import seal_plaintext_rows

        upgrade_if_behind(ctx.db.engine, settings.resolved_database_url)
        seal_plaintext_rows(ctx.db)  # rows from before P38's sealed columns (idempotent)
    return ctx


def serve(
    settings: Settings, *, host: str, port: int, migrate: bool = True, workers: int = 1
) -> None:
    if workers > 1 and settings.recorder_enabled:
        raise CannotServe(
            "several workers serve the API only: set HEARTHWATCH_RECORDER_ENABLED=false and run "
            "the recorder in its own single-process `hearthwatch serve`"
        )
    if workers > 1 and settings.serves_tls:
        raise CannotServe(
            "several workers serve plain HTTP only: put a TLS proxy in front of them, or serve "
            "HTTPS from one process"
        )
    settings = with_public_url(settings, host=host, port=port)
    refuse_plain_listening(settings, host)
    uvicorn_tls_options(settings)  # a certificate that does not load stops start-up here
    ctx = prepare(settings, migrate=migrate)
    if workers > 1:
        ctx.db.dispose()  # the parent only supervises; each worker opens its own connections
        freeze_startup_heap()
        # Worker processes read their settings from the environment: the derived address too.
        os.environ["HEARTHWATCH_PUBLIC_URL"] = settings.public_url
        runner = start_runner(ctx)  # the node's one runner, in the supervising process
        try:
            run_workers(settings, host=host, port=port, workers=workers)
        finally:
            runner.stop()
            ctx.close()
    else:
        run(ctx, host=host, port=port)


def with_public_url(settings: Settings, *, host: str, port: int) -> Settings:
    """The settings with the address links in mail point at: `HEARTHWATCH_PUBLIC_URL` if it
    is set, else this server's own scheme, host and port (a wildcard host reads as loopback:
    set the public URL to be reached from elsewhere)."""
    if "public_url" in settings.model_fields_set:
        return settings
    scheme = "https" if settings.serves_tls else "http"
    shown = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)  # noqa: S104
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return settings.model_copy(update={"public_url": f"{scheme}://{shown}:{port}"})


def refuse_plain_listening(settings: Settings, host: str) -> None:
    """In production, plain HTTP is served to this machine only, e.g. to a TLS proxy (P37)."""
    if settings.environment != "production" or settings.serves_tls or is_loopback(host):
        return
    if not settings.public_url.startswith("https://"):
        raise CannotServe(
            f"production serves plain HTTP on {host} only behind a TLS proxy: give "
            "HEARTHWATCH_TLS_CERT and HEARTHWATCH_TLS_KEY, or listen on 127.0.0.1 and set "
            "HEARTHWATCH_PUBLIC_URL to the proxy's https:// address"
        )


def freeze_startup_heap() -> None:
    """Move everything built at start-up (the app, its routes, the ORM mappers) out of the
    garbage collector's reach: its full collections then walk only what requests made, and
    stop adding tens of milliseconds to an unlucky request (p99 in bench/api_throughput.py).

    Start-up runs with the collector off (`cli.main`, `workers.run_worker`): it is turned
    back on here, after the one collection that clears what start-up threw away."""
    gc.collect()
    gc.freeze()
    gc.enable()


def run(ctx: AppContext, *, host: str, port: int) -> None:
    from hearthwatch.app import create_app

    keep_large_buffers()  # segments, sealed chunks and keyframes: no page faults for each
    tls = uvicorn_tls_options(ctx.settings)
    scheme = "https" if tls else "http"
    log.info("listening", extra={"listening_on": f"{scheme}://{host}:{port}/"})
    config = uvicorn.Config(create_app(ctx), host=host, port=port, **UVICORN_OPTIONS, **tls)
    freeze_startup_heap()
    background = ServingNode(ctx)
    try:
        ListeningServer(config, on_listening=background.start).run()
    finally:
        background.stop()
        ctx.close()


class ListeningServer(uvicorn.Server):
    """uvicorn's server, which calls `on_listening` once its socket takes connections."""

    def __init__(self, config: uvicorn.Config, on_listening: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._on_listening = on_listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self._on_listening is not None:
            self._on_listening()


class ServingNode:
    """What a node serving from one process runs beside its API: the recorder (every bound
    camera, and their live view) when recording is on, and the node's job runner.

    Both start once the API listens, in a thread of their own: the first answer waits
    neither for PyAV to load nor for the first jobs, and the cameras connect meanwhile."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.runner: Runner | None = None
        self._starting: threading.Thread | None = None

    def start(self) -> None:
        self._starting = threading.Thread(target=self._start, name="serving-node-start")
        self._starting.start()

    def _start(self) -> None:
        if self.ctx.settings.recorder_enabled:
            start_recorder(self.ctx)
        self.runner = start_runner(self.ctx)

    def stop(self) -> None:
        """Stop the jobs; the recorder stops with the context (`AppContext.close`)."""
        if self._starting is not None:
            self._starting.join()
        if self.runner is not None:
            self.runner.stop()
        stop_dispatcher(self.ctx)


def stop_dispatcher(ctx: AppContext) -> None:
    """Let the alert dispatcher finish the alerts queued (for a bounded time)."""
    from hearthwatch.notify.dispatch import Dispatcher

    if isinstance(ctx.event_sink, Dispatcher):
        ctx.event_sink.stop()


def start_recorder(ctx: AppContext) -> None:
    """Record every bound camera (and serve their live view) from this process."""
    from hearthwatch.media.recorder import Recorder
    from hearthwatch.notify.dispatch import Dispatcher

    # Alerts (issue 14): the detectors tell the dispatcher of each event as it opens.
    ctx.event_sink = Dispatcher(ctx).start()
    recorder = Recorder(ctx, ctx.vault)
    recorder.start()
    ctx.recorder = recorder


# A fresh start answers its first requests before the periodic jobs that are overdue at
# start (all of them, on a new data directory) compete with it for the interpreter: the
# cold start bench went from 1.4 s to 2.2 s when they ran at once. Jobs are durable, so
# a few seconds' wait loses nothing.
RUNNER_START_DELAY = timedelta(seconds=3)


def start_runner(ctx: AppContext) -> Runner:
    """Start the node's job runner: periodic jobs and the queue, in threads of this process."""
    from hearthwatch.jobs import catalog
    from hearthwatch.jobs.runner import Runner

    runner = Runner(ctx, periodic=catalog.periodic_jobs(ctx.settings), kinds=catalog.registry())
    runner.start(after=RUNNER_START_DELAY)
    return runner


def run_workers(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Serve from `workers` processes; they rebuild the settings from the environment."""
    from hearthwatch.workers import serve_workers

    if Settings().model_dump() != settings.model_dump():
        raise ValueError("worker processes read their settings from the environment only")
    log.info("listening", extra={"listening_on": f"http://{host}:{port}/", "workers": workers})
    serve_workers(host, port, workers, app=worker_app, options=UVICORN_OPTIONS)


def worker_app() -> FastAPI:
    """The app of one worker process (`workers.run_worker`), with its start-up heap frozen."""
    app = app_from_env()
    freeze_startup_heap()
    return app


def app_from_env() -> FastAPI:
    """The app for one worker process, wired from `Settings()` like the parent."""
    from hearthwatch.app import create_app

    settings = Settings()
    configure_process_logs(settings)
    return create_app(build_context(settings))
