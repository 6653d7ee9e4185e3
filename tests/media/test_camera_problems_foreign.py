"""Issue 12 item 5: why a recorded camera is offline, from real servers (GStreamer's RTSP
server with digest authentication, UDP only; a closed port), shown through the API, the
camera page and My devices as its own cause with a next step, never as "unreachable"."""

from __future__ import annotations

import html
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.media import status
from hearthwatch.media.recorder import Recorder
from tests.media.conftest import wait_for
from tests.support.foreign_cameras import ForeignCamera, available, foreign_camera

CAMERAS = "/api/v1/cameras"
pytestmark = pytest.mark.skipif(not available(), reason="gst-rtsp-server or ffmpeg missing")


@pytest.fixture(scope="module")
def locked() -> Iterator[ForeignCamera]:
    with foreign_camera("h264-pcmu", user="keeper", password="s3cret-pw") as camera:
        yield camera


@pytest.fixture(scope="module")
def udp_only() -> Iterator[ForeignCamera]:
    with foreign_camera("h264-pcmu", udp_only=True) as camera:
        yield camera


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def shown_problem(client: TestClient, camera_id: str) -> dict[str, Any]:
    def problem() -> dict[str, Any] | None:
        camera: dict[str, Any] = client.get(f"{CAMERAS}/{camera_id}").json()
        return camera if camera["problem_code"] else None

    found: dict[str, Any] = wait_for(problem)
    return found


def test_issue12_item5_each_cause_is_shown_as_itself_with_a_next_step(
    client: TestClient, alice: User, ctx: AppContext, recorder: Recorder,
    locked: ForeignCamera, udp_only: ForeignCamera,
) -> None:  # fmt: skip
    cases = {
        status.AUTH_FAILED: {"url": locked.url.replace("s3cret-pw", "guess")},
        status.WRONG_PATH: {"url": locked.url.replace("/file", "/live/ch0")},
        status.TRANSPORT_REFUSED: {"url": udp_only.url, "rtsp_transport": "tcp"},
        status.CONNECTION_REFUSED: {"url": f"rtsp://127.0.0.1:{closed_port()}/s"},
    }
    added = {}
    for code, body in cases.items():
        answer = client.post(
            f"{CAMERAS}/bind/rtsp", json={**body, "name": code, "add_offline": True}
        )
        assert answer.status_code == 201, answer.text
        added[answer.json()["id"]] = code
    recorder.sync()
    home = ""
    for camera_id, code in added.items():
        shown = shown_problem(client, camera_id)
        problem = status.PROBLEMS[code]
        assert (shown["problem_code"], shown["online"]) == (code, False)
        assert shown["problem"] == problem.message
        assert shown["problem_next_step"] == problem.next_step
        page = html.unescape(client.get(f"/cameras/{camera_id}").text)
        assert f'data-problem="{code}"' in page
        assert problem.what in page and problem.next_step in page
        assert status.PROBLEMS[status.UNREACHABLE].what not in page
        assert "guess" not in page and "Errno" not in page
        home = html.unescape(client.get("/").text)
    for code in added.values():
        assert f'data-problem-badge="{code}"' in home
        assert status.PROBLEMS[code].label in home
