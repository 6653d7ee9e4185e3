"""Several API worker processes on one port, each with its own listening socket.

Uvicorn's own supervisor shares one listening socket among its workers, and an asyncio
server accepts every connection waiting at each wake-up: under a burst one worker took all
64 connections of the throughput benchmark while the other sat idle. Here each worker binds
the port itself with ``SO_REUSEPORT``, so the kernel spreads new connections over the
workers. The supervisor reserves the port first (bound, never listening, so it is never
handed a connection), starts the workers, restarts one that dies, and stops them all on
SIGINT or SIGTERM.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
import time
from multiprocessing.process import BaseProcess
from types import FrameType

log = logging.getLogger("hearthwatch")

BACKLOG = 2048
STOP_TIMEOUT_S = 10.0
QUICK_DEATH_S = 5.0
MAX_QUICK_DEATHS = 3


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) in a SO_REUSEPORT group, not yet listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
    # sockets whose protocol says TCP, and a response written as headers then body would
    # otherwise wait for the client's delayed ACK: 40 ms on every request.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def serve_workers(host: str, port: int, workers: int) -> None:
    """Run `workers` API processes on (host, port) until SIGINT or SIGTERM."""
    reserved = reuse_port_socket(host, port)  # fixes the port (even port 0), takes nothing
    port = reserved.getsockname()[1]
    spawn = multiprocessing.get_context("spawn")
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    running: list[tuple[BaseProcess, float]] = []
    quick_deaths = 0
    try:
        running = [(_start(spawn, host, port), time.monotonic()) for _ in range(workers)]
        while not stopping.wait(0.5):
            for index, (process, started) in enumerate(running):
                if process.is_alive():
                    continue
                quick = time.monotonic() - started < QUICK_DEATH_S
                quick_deaths = quick_deaths + 1 if quick else 0
                if quick_deaths >= MAX_QUICK_DEATHS:
                    raise RuntimeError("API workers keep failing at start-up; see the log above")
                log.warning("API worker exited; starting another", extra={"code": process.exitcode})
                running[index] = (_start(spawn, host, port), time.monotonic())
    finally:
        _stop_all([process for process, _ in running])
        reserved.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _start(spawn: multiprocessing.context.SpawnContext, host: str, port: int) -> BaseProcess:
    process = spawn.Process(target=run_worker, args=(host, port), name="hearthwatch-api")
    process.start()
    return process


def _stop_all(processes: list[BaseProcess]) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()


def run_worker(host: str, port: int) -> None:
    """One worker process: the app wired from the environment, on its own socket."""
    import uvicorn

    from hearthwatch.server import UVICORN_OPTIONS, app_from_env, freeze_startup_heap

    app = app_from_env()
    freeze_startup_heap()
    sock = reuse_port_socket(host, port)
    sock.listen(BACKLOG)
    config = uvicorn.Config(app, host=host, port=port, backlog=BACKLOG, **UVICORN_OPTIONS)
    uvicorn.Server(config).run(sockets=[sock])
