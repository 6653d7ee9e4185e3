"""An RTSP server for a fleet of simulated cameras: TCP-interleaved and UDP transports.

URLs are ``rtsp://host:port/<serial>/<stream>`` (streams ``main`` and ``sub``), with the
tracks below them (``.../trackID=0`` video, ``.../trackID=1`` audio when the camera has
sound). A session starts at the next keyframe, with SPS and PPS sent in-band before it.
A request the server cannot act on gets a 4xx answer and the connection stays; one it
cannot even read gets ``400`` and the connection is closed; neither reaches another
connection. A UDP session whose client stays silent for the session timeout (no RTSP
request naming it, no RTCP) is torn down with its connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
import socket
import struct
import time

from hearthwatch.camsim.camera import SimulatedCamera
from hearthwatch.camsim.rtsp_handlers import RequestHandlers
from hearthwatch.camsim.rtsp_messages import (
    RtspProtocolError,
    RtspRequest,
    RtspResponse,
    read_message,
)
from hearthwatch.camsim.rtsp_session import RtspSession

log = logging.getLogger("hearthwatch.camsim")

SESSION_TIMEOUT_S = 60.0
# A connection's failures that end it quietly: the peer left or spoke something else.
_PEER_GONE = (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError)


class CameraOffline(Exception):
    """The camera addressed is rebooting: the connection is reset."""


class CameraRtspServer:
    """Serves every camera of a fleet on one port."""

    def __init__(
        self,
        cameras: list[SimulatedCamera],
        host: str = "127.0.0.1",
        port: int = 8554,
        *,
        session_timeout_s: float = SESSION_TIMEOUT_S,
    ) -> None:
        self.cameras = {camera.serial: camera for camera in cameras}
        self.host, self.port = host, port
        self.session_timeout_s = session_timeout_s
        self.server: asyncio.Server | None = None
        self.connections: dict[RtspConnection, asyncio.Task[None]] = {}
        self._reaper: asyncio.Task[None] | None = None

    def url(self, camera: SimulatedCamera, stream: str = "main") -> str:
        return f"rtsp://{self.host}:{self.port}/{camera.serial}/{stream}"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._connected, self.host, self.port)
        self.port = self.server.sockets[0].getsockname()[1]
        for camera in self.cameras.values():
            camera.on_reboot.append(functools.partial(self.drop_camera, camera))
        self._reaper = asyncio.get_running_loop().create_task(self._reap_silent_sessions())

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        if self._reaper is not None:
            self._reaper.cancel()
        tasks = list(self.connections.values())
        for connection in list(self.connections):
            connection.close()  # each `serve` then ends by itself
        if tasks:
            await asyncio.wait(tasks, timeout=2)
        for camera in self.cameras.values():
            await camera.close()
        if self.server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.server.wait_closed(), 2)

    def drop_camera(self, camera: SimulatedCamera) -> None:
        """Close every connection that has spoken to `camera`."""
        for connection in list(self.connections):
            if camera.serial in connection.cameras:
                connection.close()

    @property
    def session_count(self) -> int:
        return sum(len(c.all_sessions()) for c in self.connections)

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = RtspConnection(self, reader, writer)
        task = asyncio.current_task()
        assert task is not None
        self.connections[connection] = task
        try:
            await connection.serve()
            log.debug("camsim: closed a connection from %s", connection.peer_host)
        except _PEER_GONE as err:
            log.debug("camsim: %s left (%r)", connection.peer_host, err)
        except CameraOffline:
            connection.reset()
        except asyncio.CancelledError:
            # Ending quietly: on Python 3.11 asyncio logs a cancelled connection task as an
            # error (StreamReaderProtocol's callback calls task.exception()).
            pass
        except Exception:  # a bug in one connection must not take the server down
            log.exception("camsim: RTSP connection failed")
        finally:
            connection.end()
            del self.connections[connection]

    async def _reap_silent_sessions(self) -> None:
        interval = min(1.0, self.session_timeout_s / 4)
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for connection in list(self.connections):
                if any(s.expired(now, self.session_timeout_s) for s in connection.all_sessions()):
                    log.info("camsim: UDP session timed out; closing its connection")
                    connection.close()


class RtspConnection:
    """One client's RTSP control connection and the sessions it set up."""

    def __init__(
        self, server: CameraRtspServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server, self.reader, self.writer = server, reader, writer
        self.sessions: dict[str, list[RtspSession]] = {}
        self.cameras: set[str] = set()
        self.handlers = RequestHandlers(self)

    @property
    def local_host(self) -> str:
        return str(self.writer.get_extra_info("sockname")[0])

    @property
    def peer_host(self) -> str:
        return str(self.writer.get_extra_info("peername")[0])

    async def serve(self) -> None:
        while not self.writer.is_closing():
            try:
                message = await read_message(self.reader)
            except RtspProtocolError as err:
                log.warning("camsim: closing a connection that sent %s", err)
                self.writer.write(RtspResponse(400, "Bad Request").encode("0"))
                return
            if isinstance(message, bytes):
                continue  # RTCP receiver reports over the interleaved channel
            await self._answer(message)

    async def _answer(self, request: RtspRequest) -> None:
        log.debug("camsim: %s %s from %s", request.method, request.url, self.peer_host)
        self._touch_sessions(request)
        try:
            response = await self.respond(request)
        except (ValueError, KeyError, IndexError) as err:
            log.info("camsim: bad %s request: %s", request.method, err)
            response = RtspResponse(400, "Bad Request")
        self.writer.write(response.encode(request.cseq))
        await self.writer.drain()

    async def respond(self, request: RtspRequest) -> RtspResponse:
        target = self.camera_for(request.url)
        if target is not None:
            self.cameras.add(target[0].serial)
            if not target[0].online:
                raise CameraOffline(target[0].serial)
        if request.method == "OPTIONS":
            return RtspResponse(200, "OK", {"Public": RequestHandlers.METHODS})
        if target is None:
            return RtspResponse(404, "Not Found")
        return await self.handlers.handle(request, *target)

    def camera_for(self, url: str) -> tuple[SimulatedCamera, str] | None:
        path = url.split("://", 1)[-1].partition("/")[2].split("?")[0]
        parts = [p for p in path.split("/") if p]
        if len(parts) < 2 or parts[0] not in self.server.cameras:
            return None
        camera = self.server.cameras[parts[0]]
        return (camera, parts[1]) if parts[1] in camera.streams else None

    def new_session_id(self) -> str:
        return secrets.token_hex(8)

    def sessions_of(self, request: RtspRequest) -> list[RtspSession] | None:
        return self.sessions.get(request.session_id)

    def all_sessions(self) -> list[RtspSession]:
        return [s for sessions in self.sessions.values() for s in sessions]

    def _touch_sessions(self, request: RtspRequest) -> None:
        for session in self.sessions_of(request) or []:
            session.touch()

    def close(self) -> None:
        """End the connection; `serve` then returns and `end` stops the sessions."""
        self.writer.close()

    def reset(self) -> None:
        """Reset the connection (TCP RST), as a rebooting camera's network stack would."""
        sock = self.writer.get_extra_info("socket")
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    def end(self) -> None:
        for session in self.all_sessions():
            session.stop()
        self.sessions.clear()
        self.writer.close()
