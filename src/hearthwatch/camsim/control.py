"""A small HTTP API to watch a running fleet and inject faults (stdlib `http.server`).

    GET  /cameras                  every camera: serial, code, URLs, online, QR payload
    GET  /cameras/<serial>         one camera
    POST /cameras/<serial>/faults  {"kind": "stall", "seconds": 3} (see `faults`)
    PUT  /cameras/<serial>/audio   {"enabled": false}: video only (the camera's streams restart)
    POST /cameras/<serial>/motion  {} or {"actor": "car"}: someone crosses now (see `motion`);
                                   202 once the streams show it, with when they did
    GET  /cameras/<serial>/motion  the schedule and the latest crossings, newest first
    GET  /faults                   the fault kinds and their parameters

Errors are ``{"error": {"code", "message", "details"}}`` with a 4xx status. It has no
authentication: it listens on loopback unless told otherwise.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from hearthwatch.camsim.faults import FAULT_KINDS, Fault, parse_fault
from hearthwatch.camsim.motion import parse_motion_request
from hearthwatch.errors import HearthwatchError, NotFound, ValidationFailed

log = logging.getLogger("hearthwatch.camsim")

MAX_BODY = 64 * 1024


class _Described(Protocol):
    def to_json(self) -> dict[str, Any]: ...


class ControlledFleet(Protocol):
    """What the API reads and changes of a running fleet (fleet's `CameraFleet`, which
    starts this server: described here, so that only the fleet imports the other)."""

    @property
    def cameras(self) -> Sequence[_Described]: ...
    def camera(self, serial: str) -> _Described: ...
    def apply_fault(self, serial: str, fault: Fault) -> None: ...
    def set_audio(self, serial: str, on: bool) -> _Described: ...
    def start_motion(self, serial: str, actor: str | None = None) -> dict[str, Any]: ...
    def motion(self, serial: str) -> dict[str, Any]: ...


class MethodNotAllowed(HearthwatchError):
    status = 405
    code = "request.method_not_allowed"


class BodyTooLarge(HearthwatchError):
    status = 413
    code = "request.too_large"


class ControlServer:
    """Serves the control API for `fleet` from its own thread until `close`."""

    def __init__(self, fleet: ControlledFleet, host: str = "127.0.0.1", port: int = 0) -> None:
        self.httpd = _FleetHttpServer((host, port), _Handler, fleet)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.05,), name="camsim-control", daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


class _FleetHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        fleet: ControlledFleet,
    ) -> None:
        self.fleet = fleet
        super().__init__(address, handler)


def route(fleet: ControlledFleet, method: str, path: str, body: bytes) -> tuple[int, Any]:
    """Answer one request: (status, JSON body); raises `HearthwatchError` for 4xx."""
    parts = [p for p in path.split("?")[0].split("/") if p]
    if parts == ["cameras"]:
        _allow(method, "GET")
        return 200, [camera.to_json() for camera in fleet.cameras]
    if parts == ["faults"]:
        _allow(method, "GET")
        return 200, [_describe_kind(name) for name in FAULT_KINDS]
    if len(parts) == 2 and parts[0] == "cameras":
        _allow(method, "GET")
        return 200, fleet.camera(parts[1]).to_json()
    if len(parts) == 3 and parts[0] == "cameras" and parts[2] == "faults":
        _allow(method, "POST")
        fault = parse_fault(_json(body))
        fleet.apply_fault(parts[1], fault)
        return 200, {"applied": fault.to_json(), "camera": fleet.camera(parts[1]).to_json()}
    if len(parts) == 3 and parts[0] == "cameras" and parts[2] == "audio":
        _allow(method, "PUT")
        return 200, fleet.set_audio(parts[1], _enabled(_json(body))).to_json()
    if len(parts) == 3 and parts[0] == "cameras" and parts[2] == "motion":
        _allow(method, "GET", "POST")
        if method == "GET":
            return 200, fleet.motion(parts[1])
        actor = parse_motion_request(_json(body) if body.strip() else None)
        return 202, fleet.start_motion(parts[1], actor)
    raise NotFound(f"no such resource: {path}", code="camsim.not_found")


def _allow(method: str, *allowed: str) -> None:
    if method not in allowed:
        listed = ", ".join(allowed)
        raise MethodNotAllowed(f"use {' or '.join(allowed)} here", details={"allow": listed})


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as err:
        raise HearthwatchError("the body is not valid JSON", code="request.malformed") from err


def _enabled(body: Any) -> bool:
    enabled = body.get("enabled") if isinstance(body, dict) else None
    if not isinstance(enabled, bool):
        raise ValidationFailed(
            'expected {"enabled": true} or {"enabled": false}', code="camsim.audio_invalid"
        )
    return enabled


def _describe_kind(name: str) -> dict[str, Any]:
    params = [
        {"name": p.name, "min": p.low, "max": p.high, "default": p.default}
        for p in FAULT_KINDS[name].params
    ]
    return {"kind": name, "params": params}


class _Handler(BaseHTTPRequestHandler):
    server: _FleetHttpServer
    server_version = "Hearthwatch-CamSim-Control/1.0"

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def do_PUT(self) -> None:
        self._answer("PUT")

    def do_DELETE(self) -> None:
        self._answer("DELETE")

    def _answer(self, method: str) -> None:
        try:
            status, body = route(self.server.fleet, method, self.path, self._body())
        except HearthwatchError as err:
            status, body = err.status, err.to_body()
        except Exception:
            log.exception("camsim control: %s %s failed", method, self.path)
            status, body = 500, HearthwatchError("internal error", code="server.error").to_body()
        self._send_json(status, body)

    def _body(self) -> bytes:
        text = self.headers.get("Content-Length", "0").strip() or "0"
        if not text.isdigit():
            raise HearthwatchError("bad Content-Length", code="request.malformed")
        if int(text) > MAX_BODY:
            self.close_connection = True  # the body is left unread
            raise BodyTooLarge(f"the body is over {MAX_BODY} bytes")
        return self.rfile.read(int(text))

    def _send_json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("camsim control: " + format, *args)
