"""Issue 11 item 7: a camera address the policy allows cannot send the recorder on to one it
refuses. FFmpeg follows an RTSP redirect anywhere, so the recorder looks first (P37).

The redirecting server here is a real RTSP responder on loopback, written for the test:
it answers OPTIONS, asks for Digest credentials, and answers DESCRIBE with a 302 to a local
listener that must never be contacted.
"""

from __future__ import annotations

import hashlib
import re
import socket
import threading
from collections.abc import Iterator

import pytest

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.media.recorder import Recorder
from hearthwatch.media.rtsp_preflight import RedirectRefused, refuse_redirects
from tests.media.conftest import Cameras, wait_for
from tests.media.test_camera_addresses import Listener, legacy_camera

REALM, NONCE = "cam", "abc123"


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class Redirector:
    """An RTSP server that redirects every DESCRIBE to `location` once authenticated."""

    def __init__(self, location: str, *, user: str = "", password: str = "") -> None:
        self.location, self.user, self.password = location, user, password
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.authenticated = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            threading.Thread(target=self._talk, args=(connection,), daemon=True).start()

    def _talk(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as reader:
            while request := self._request(reader):
                connection.sendall(self._answer(request).encode())

    @staticmethod
    def _request(reader: object) -> list[str]:
        lines = []
        while line := reader.readline().decode().strip():  # type: ignore[attr-defined]
            lines.append(line)
        return lines

    def _answer(self, request: list[str]) -> str:
        method = request[0].split(" ")[0]
        cseq = next(line for line in request if line.lower().startswith("cseq"))
        if method == "OPTIONS":
            return f"RTSP/1.0 200 OK\r\n{cseq}\r\nPublic: DESCRIBE, SETUP, PLAY\r\n\r\n"
        if self.user and not self._authorised(method, request):
            challenge = f'Digest realm="{REALM}", nonce="{NONCE}"'
            return f"RTSP/1.0 401 Unauthorized\r\n{cseq}\r\nWWW-Authenticate: {challenge}\r\n\r\n"
        return f"RTSP/1.0 302 Moved\r\n{cseq}\r\nLocation: {self.location}\r\n\r\n"

    def _authorised(self, method: str, request: list[str]) -> bool:
        header = next((line for line in request if line.startswith("Authorization:")), "")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', header))
        ha1 = md5(f"{self.user}:{REALM}:{self.password}")
        expected = md5(f"{ha1}:{NONCE}:{md5(method + ':' + fields.get('uri', ''))}")
        if fields.get("response") == expected:
            self.authenticated.set()
            return True
        return False

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def test_p16_item7_preflight_refuses_a_redirect_after_digest_authentication(
    listener: Listener,
) -> None:
    redirector = Redirector(f"rtsp://127.0.0.1:{listener.port}/x", user="viewer", password="pw")
    try:
        url = f"rtsp://viewer:pw@127.0.0.1:{redirector.port}/live"
        with pytest.raises(RedirectRefused):
            refuse_redirects(url, timeout=5)
        assert redirector.authenticated.is_set()
    finally:
        redirector.close()
    assert not listener.contacted.is_set()


def test_p16_item7_preflight_lets_a_real_camera_through(cameras: Cameras) -> None:
    refuse_redirects(cameras.url(0), timeout=5)  # the simulator answers DESCRIBE with SDP


def test_p16_item7_recorder_does_not_follow_a_redirect_to_a_refused_address(
    ctx: AppContext, alice: User, recorder: Recorder, listener: Listener
) -> None:
    """The redirecting server's own port is allowed (as an operator may allow a LAN host);
    the address it names is loopback, which the policy refuses: FFmpeg would go there."""
    redirector = Redirector(f"rtsp://127.0.0.1:{listener.port}/x")
    try:
        ctx.settings.camera_allowed_networks = f"127.0.0.1:{redirector.port}"
        camera_id = legacy_camera(ctx, alice.id, f"rtsp://127.0.0.1:{redirector.port}/live")
        recorder.sync()
        status = wait_for(lambda: (s := recorder.status(camera_id)) and s.problem and s)
        assert status.problem == "camera.redirected"
    finally:
        redirector.close()
    assert not listener.contacted.is_set()
