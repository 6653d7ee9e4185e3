"""Several API worker processes on one port, holding equal shares of the open connections.

The supervisor binds one listening socket and hands it to every worker. How the workers
take connections from it decides the latency under load: an asyncio server accepts every
connection waiting at each wake-up, so under a burst one worker took all 64 connections of
the throughput benchmark while the other sat idle; with a socket per worker in a
``SO_REUSEPORT`` group the kernel's hash split them 42/22 as easily as 32/32, and the worker
holding two thirds set the p99. Here each worker publishes how many connections it holds in
a small shared array, and takes a waiting connection only while it holds no more than any
other worker (least connections, like a load balancer's). A worker that is starting, stopping
or stuck must not hold connections back: one still starting or already stopping counts as
full, and a connection left waiting longer than `GRACE_S` is taken by whoever sees it.

The supervisor starts the workers, restarts one that dies, and stops them all on SIGINT or
SIGTERM.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import select
import signal
import socket
import threading
import time
from collections.abc import Callable, Mapping
from multiprocessing.process import BaseProcess
from multiprocessing.sharedctypes import SynchronizedArray
from types import FrameType
from typing import Any

import uvicorn

log = logging.getLogger("hearthwatch")

BACKLOG = 2048
STOP_TIMEOUT_S = 10.0
QUICK_DEATH_S = 5.0
MAX_QUICK_DEATHS = 3
NOT_ACCEPTING = 2**30  # the share of a worker that is starting or stopping: never the least
TICK_S = 0.005  # how often a worker republishes its share and looks again at a declined queue
GRACE_S = 0.1  # a connection waiting this long is taken by any worker, its turn or not


def tcp_listener(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port); port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
    # sockets whose protocol says TCP (accepted sockets inherit it), and a response written as
    # headers then body would otherwise wait for the client's delayed ACK: 40 ms per request.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    return sock


def serve_workers(
    host: str, port: int, workers: int, *, app: Callable[[], Any], options: Mapping[str, Any]
) -> None:
    """Run `workers` API processes on (host, port) until SIGINT or SIGTERM.

    Each builds its ASGI app with `app` (a module-level function, pickled by name) and serves
    it with these uvicorn `options`: the caller (`server.run_workers`) says what is served, so
    this module never imports the server that imports it."""
    listener = tcp_listener(host, port)
    spawn = multiprocessing.get_context("spawn")
    loads: SynchronizedArray[int] = spawn.Array("q", [NOT_ACCEPTING] * workers, lock=False)
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    def start(index: int) -> tuple[BaseProcess, float]:
        loads[index] = NOT_ACCEPTING  # until the new worker takes connections itself
        process = spawn.Process(
            target=run_worker,
            args=(listener, index, loads, app, dict(options)),
            name=f"hearthwatch-api-{index}",
        )
        process.start()
        return process, time.monotonic()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    running: list[tuple[BaseProcess, float]] = []
    quick_deaths = 0
    try:
        running = [start(index) for index in range(workers)]
        while not stopping.wait(0.5):
            for index, (process, started) in enumerate(running):
                if process.is_alive():
                    continue
                quick = time.monotonic() - started < QUICK_DEATH_S
                quick_deaths = quick_deaths + 1 if quick else 0
                if quick_deaths >= MAX_QUICK_DEATHS:
                    raise RuntimeError("API workers keep failing at start-up; see the log above")
                log.warning("API worker exited; starting another", extra={"code": process.exitcode})
                running[index] = start(index)
    finally:
        _stop_all([process for process, _ in running])
        listener.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


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


def run_worker(
    listener: socket.socket,
    index: int,
    loads: SynchronizedArray[int],
    app: Callable[[], Any],
    options: dict[str, Any],
) -> None:
    """One worker process: the app `app` builds, taking its share of connections."""
    gc.disable()  # until `app` freezes the start-up heap, as in `cli.main`
    from hearthwatch.allocator import keep_large_buffers

    keep_large_buffers()
    served = app()
    host, port = listener.getsockname()[:2]
    config = uvicorn.Config(served, host=host, port=port, backlog=BACKLOG, **options)
    BalancedServer(config, listener, index, loads).run(sockets=[])


class BalancedServer(uvicorn.Server):
    """Uvicorn serving the connections its `Acceptor` takes from the shared listener."""

    def __init__(
        self,
        config: uvicorn.Config,
        listener: socket.socket,
        index: int,
        loads: SynchronizedArray[int],
    ) -> None:
        super().__init__(config)
        self._listener = listener
        self._index = index
        self._loads = loads
        self._acceptor: Acceptor | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # the lifespan, and no listener of uvicorn's own
        if self.should_exit:
            return
        config, state = self.config, self.server_state

        def make_protocol() -> asyncio.Protocol:
            protocol: asyncio.Protocol = config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=state, app_state=self.lifespan.state
            )
            return protocol

        self._acceptor = Acceptor(
            self._listener,
            make_protocol,
            share=lambda: len(state.connections),
            loads=self._loads,
            index=self._index,
        )
        self._acceptor.start()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._acceptor is not None:
            self._acceptor.stop()
        await super().shutdown(sockets=sockets)


class Acceptor:
    """Takes connections from a listener shared with other processes, least-loaded first.

    `loads[index]` is this process's share (its open connections, plus those accepted but not
    yet set up); it takes a connection only while its share is no larger than every other
    process's. Declining, it stops watching the listener (which would otherwise wake it at
    every turn of the loop while the connection waits) and looks again `TICK_S` later.
    """

    def __init__(
        self,
        listener: socket.socket,
        make_protocol: Callable[[], asyncio.Protocol],
        *,
        share: Callable[[], int],
        loads: SynchronizedArray[int],
        index: int,
    ) -> None:
        self._listener = listener
        self._make_protocol = make_protocol
        self._share = share
        self._loads = loads
        self._index = index
        self._setting_up = 0
        self._watching = False
        self._declined_since: float | None = None
        self._tick: asyncio.TimerHandle | None = None
        self._loop = asyncio.get_running_loop()
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        self._listener.setblocking(False)
        self._publish()
        self._watch()
        self._tick = self._loop.call_later(TICK_S, self._on_tick)

    def stop(self) -> None:
        """Take no more connections, and let the other processes take them all."""
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        self._unwatch()
        self._loads[self._index] = NOT_ACCEPTING

    def _publish(self) -> int:
        mine = self._share() + self._setting_up
        self._loads[self._index] = mine
        return mine

    def _my_turn(self) -> bool:
        mine = self._publish()
        loads = self._loads
        return all(mine <= loads[i] for i in range(len(loads)) if i != self._index)

    def _on_readable(self) -> None:
        now = time.monotonic()
        overdue = self._declined_since is not None and now - self._declined_since >= GRACE_S
        if not (overdue or self._my_turn()):
            if self._declined_since is None:
                self._declined_since = now
            self._unwatch()  # the tick looks again
            return
        self._declined_since = None
        while self._accept_one() and self._my_turn():
            pass

    def _accept_one(self) -> bool:
        try:
            conn, _ = self._listener.accept()
        except (BlockingIOError, InterruptedError):
            return False  # another process took it
        except OSError as err:  # out of descriptors, a connection reset while queued...
            log.warning("accept failed", extra={"error": str(err)})
            return False
        self._setting_up += 1
        task = self._loop.create_task(self._set_up(conn))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _set_up(self, conn: socket.socket) -> None:
        try:
            await self._loop.connect_accepted_socket(self._make_protocol, conn)
        except OSError:
            conn.close()
        finally:
            self._setting_up -= 1

    def _on_tick(self) -> None:
        self._tick = self._loop.call_later(TICK_S, self._on_tick)
        self._publish()
        if self._watching:
            return
        waiting, _, _ = select.select([self._listener], [], [], 0)
        if not waiting:
            self._declined_since = None
        self._watch()  # readable: _on_readable decides again, with this tick's shares

    def _watch(self) -> None:
        if not self._watching:
            self._loop.add_reader(self._listener.fileno(), self._on_readable)
            self._watching = True

    def _unwatch(self) -> None:
        if self._watching:
            self._loop.remove_reader(self._listener.fileno())
            self._watching = False
