"""Issue 11 item 8: why a camera is offline is a stable problem code with a plain message;
the recorder's raw error (a port scanner's answer) goes only to the server log (P37)."""

from __future__ import annotations

import html
import logging
import socket
from collections.abc import Iterator
from typing import Any

import av
import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.camsim.fleet import CameraFleet
from hearthwatch.camsim.fleet_state import CredentialPolicy
from hearthwatch.context import AppContext
from hearthwatch.media import status
from hearthwatch.media.ingest import StreamEnded, UnsupportedCodec, problem_of
from hearthwatch.media.recorder import Recorder
from hearthwatch.security.outbound import AddressForbidden
from tests.camsim.conftest import fleet_config
from tests.media.conftest import Cameras, wait_for
from tests.media.test_camera_addresses import Listener

CAMERAS = "/api/v1/cameras"
RAW = ("Errno", "refused", "Invalid data", "Server returned", "401", "404", "rtsp://")


@pytest.fixture(scope="module")
def locked_fleet() -> Iterator[CameraFleet]:
    with CameraFleet(fleet_config(cameras=1, credentials=CredentialPolicy("u", "p"))) as fleet:
        yield fleet


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def add(client: TestClient, url: str, **extra: str) -> str:
    """Added though unreachable now (issue 12 item 6 would refuse it), to see the problem."""
    body = {"url": url, "name": "Cam", "add_offline": True, **extra}
    answer = client.post(f"{CAMERAS}/bind/rtsp", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def shown_problem(client: TestClient, camera_id: str) -> dict[str, Any]:
    def problem() -> dict[str, Any] | None:
        camera: dict[str, Any] = client.get(f"{CAMERAS}/{camera_id}").json()
        return camera if camera["problem_code"] else None

    found: dict[str, Any] = wait_for(problem)
    return found


def test_p16_item8_offline_cameras_show_stable_codes_never_the_raw_error(
    client: TestClient,
    alice: User,
    ctx: AppContext,
    cameras: Cameras,
    locked_fleet: CameraFleet,
    listener: Listener,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="hearthwatch.recorder")
    ctx.settings.camera_allowed_networks = "127.0.0.0/8"
    locked = locked_fleet.cameras[0].main_url
    expected = {
        add(client, f"rtsp://127.0.0.1:{closed_port()}/stream"): status.CONNECTION_REFUSED,
        add(client, f"rtsp://127.0.0.1:{listener.port}/stream"): status.NOT_A_STREAM,
        add(client, cameras.url(0).replace("/main", "/nothing-here")): status.WRONG_PATH,
        add(client, locked, username="u", password="wrong"): status.AUTH_FAILED,
    }
    recorder.sync()
    for camera_id, code in expected.items():
        camera = shown_problem(client, camera_id)
        assert camera["problem_code"] == code
        assert camera["problem"] == status.PROBLEM_MESSAGES[code]
        page = html.unescape(client.get(f"/cameras/{camera_id}").text)
        assert status.PROBLEMS[code].what in page and status.PROBLEMS[code].next_step in page
        for raw in RAW:
            assert raw not in camera["problem"]
            assert f"— {raw}" not in page
    logged = [getattr(r, "error", "") for r in caplog.records]
    assert any("Connection refused" in line for line in logged)  # the operator still sees it
    assert not any("u:wrong" in line for line in logged)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (AddressForbidden(), status.ADDRESS_FORBIDDEN),
        (av.error.ConnectionRefusedError(111, "Connection refused"), status.CONNECTION_REFUSED),
        (TimeoutError("timed out"), status.UNREACHABLE),
        (av.error.TimeoutError(110, "Connection timed out"), status.UNREACHABLE),
        (socket.gaierror(-2, "Name or service not known"), status.UNKNOWN_HOST),
        (OSError(113, "No route to host"), status.NO_ROUTE),
        (av.error.HTTPNotFoundError(875574520, "Server returned 404 Not Found"), status.WRONG_PATH),
        (av.error.HTTPUnauthorizedError(825242872, "401 Unauthorized"), status.AUTH_FAILED),
        (av.error.OSError(93, "Protocol not supported"), status.TRANSPORT_REFUSED),
        (av.error.InvalidDataError(1, "Invalid data found"), status.NOT_A_STREAM),
        (IndexError("no video stream"), status.NOT_A_STREAM),
        (UnsupportedCodec("hevc"), status.UNSUPPORTED_CODEC),
        (StreamEnded("closed"), status.STREAM_ENDED),
    ],
)
def test_p16_item8_errors_map_to_a_small_set_of_problem_codes(error: Exception, code: str) -> None:
    """Issue 12 item 5 splits "unreachable" into its causes, each with a next step."""
    assert problem_of(error) == code
    assert code in status.PROBLEM_MESSAGES
    assert status.PROBLEMS[code].next_step
