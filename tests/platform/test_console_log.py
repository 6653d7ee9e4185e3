"""Issue 12 item 9 (P45, P36): the real server's console output, read as an operator sees
it: media tokens never appear, whoever writes the line (uvicorn's WebSocket line carries the
whole request target), and the address the service listens on is shown whole (item 18)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from hearthwatch.logs import mask, redact_secrets
from tests.support.postgres import free_port

CLI = str(Path(sys.executable).with_name("hearthwatch"))
# Shaped like a media token: base64url JSON, a dot, a signature.
TOKEN = "eyJ1c2VyX2lkIjoiYWxpY2UiLCJjYW1lcmEiOiJ4In0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"


class RunningServer:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.lines: list[str] = []

    def wait_for(self, text: str) -> None:
        assert self.process.stderr is not None
        while not any(text in line for line in self.lines):
            line = self.process.stderr.readline()
            assert line, "the server stopped:\n" + "".join(self.lines)
            self.lines.append(line)

    def stop(self) -> str:
        """Everything it printed, once it has shut down."""
        self.process.send_signal(signal.SIGINT)
        _, rest = self.process.communicate(timeout=30)
        return "".join(self.lines) + rest


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    port = free_port()
    env = {
        **os.environ,
        "HEARTHWATCH_DATA_DIR": str(tmp_path / "data"),
        "HEARTHWATCH_RECORDER_ENABLED": "false",
        "HEARTHWATCH_LOG_JSON": "true",
    }
    process = subprocess.Popen(
        [CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    running = RunningServer(process, port)
    try:
        running.wait_for("Uvicorn running on")  # the socket is bound and takes connections
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_issue12_item9_p45_live_media_tokens_never_reach_the_console(
    server: RunningServer,
) -> None:
    ws_url = server.url.replace("http://", "ws://")
    # A made-up token is refused, and uvicorn logs the attempt with its whole target.
    with pytest.raises(InvalidStatus):
        connect(f"{ws_url}/api/v1/cameras/some-camera/live?token={TOKEN}").close()
    server.wait_for("WebSocket /api/v1/cameras/some-camera/live")
    httpx.get(f"{server.url}/api/v1/cameras/some-camera/playback.mp4?token={TOKEN}&x=1")
    output = server.stop()
    assert TOKEN not in output and TOKEN[:20] not in output
    assert "live?token=[redacted]" in output
    (websocket_line,) = [line for line in output.splitlines() if "WebSocket /api" in line]
    assert '"message": "127.0.0.0:' in websocket_line  # the client's address is still cut


def test_issue12_item18_the_listening_address_is_shown_whole(server: RunningServer) -> None:
    output = server.stop()
    assert f'"listening_on": "{server.url}/"' in output
    assert f"Uvicorn running on {server.url}" in output
    assert "127.0.0.0" not in output  # no request came: nothing else names an address


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("GET /live?token=abc.def HTTP/1.1", "GET /live?token=[redacted] HTTP/1.1"),
        ("/x?a=1&access_token=s3cr3t&b=2", "/x?a=1&access_token=[redacted]&b=2"),
        ("/confirm?CODE=123456", "/confirm?CODE=[redacted]"),
        (f"Bearer {TOKEN} sent", "Bearer [redacted] sent"),
        ("Authorization: Bearer hwt_abcdefgh12345678", "Authorization: Bearer [redacted]"),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_issue12_item9_secrets_are_redacted_from_any_line(line: str, expected: str) -> None:
    assert redact_secrets(line) == expected


def test_issue12_item9_client_addresses_are_still_cut(server: RunningServer) -> None:
    output = server.stop()
    assert mask("203.0.113.77 - GET /?token=x") == "203.0.113.0 - GET /?token=[redacted]"
    assert output  # the server ran and said something
