"""A recording node starts its recorder and jobs only once the API takes connections."""

from __future__ import annotations

import socket
import threading

import uvicorn

from hearthwatch.server import UVICORN_OPTIONS, ListeningServer
from tests.support.postgres import free_port


async def _app(scope: dict[str, object], receive: object, send: object) -> None:
    """No lifespan and no routes: the test only connects."""


def test_on_listening_runs_once_the_socket_takes_connections() -> None:
    port = free_port()
    config = uvicorn.Config(_app, host="127.0.0.1", port=port, lifespan="off", **UVICORN_OPTIONS)
    connected: list[bool] = []

    def on_listening() -> None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            connected.append(True)
        except OSError:
            connected.append(False)
        server.should_exit = True

    server = ListeningServer(config, on_listening=on_listening)
    runner = threading.Thread(target=server.run)
    runner.start()
    runner.join(timeout=10)
    assert not runner.is_alive()
    assert connected == [True]


def test_on_listening_is_not_called_when_the_port_is_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = uvicorn.Config(
            _app, host="127.0.0.1", port=port, lifespan="off", **UVICORN_OPTIONS
        )
        called: list[bool] = []
        exits: list[object] = []
        server = ListeningServer(config, on_listening=lambda: called.append(True))

        def run() -> None:
            try:
                server.run()
            except SystemExit as stop:  # uvicorn exits when it cannot bind
                exits.append(stop.code)

        runner = threading.Thread(target=run)
        runner.start()
        runner.join(timeout=10)
    assert not runner.is_alive()
    assert exits and exits[0] != 0
    assert called == []
