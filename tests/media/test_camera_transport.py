"""Issue 12 item 2: a camera that only streams over UDP is recorded (TCP first, then UDP;
what worked is remembered across reconnects and restarts), with a per-camera override."""

from __future__ import annotations

import errno
import html
from collections.abc import Iterator
from typing import Any

import av
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.media import status
from hearthwatch.media.connection import (
    QUICK_RETRY_S,
    SLOW_FIRST_S,
    ConnectionPolicy,
    transport_order,
)
from hearthwatch.media.models import Segment
from hearthwatch.media.recorder import Recorder
from tests.media.conftest import wait_for
from tests.support.foreign_cameras import ForeignCamera, available, foreign_camera

CAMERAS = "/api/v1/cameras"
needs_gst = pytest.mark.skipif(not available(), reason="gst-rtsp-server or ffmpeg missing")


@pytest.fixture
def udp_camera() -> Iterator[ForeignCamera]:
    with foreign_camera("h264-pcmu", udp_only=True) as camera:
        yield camera


def camera(client: TestClient, camera_id: str) -> dict[str, Any]:
    found: dict[str, Any] = client.get(f"{CAMERAS}/{camera_id}").json()
    return found


def segments(ctx: AppContext, camera_id: str) -> int:
    with ctx.db.session() as db:
        return len(db.scalars(select(Segment.id).where(Segment.camera_id == camera_id)).all())


@needs_gst
def test_issue12_item2_udp_only_camera_records_in_auto_and_remembers_udp(
    client: TestClient, alice: User, ctx: AppContext, recorder: Recorder, udp_camera: ForeignCamera
) -> None:
    body = {"url": udp_camera.url, "name": "UDP only"}
    added = client.post(f"{CAMERAS}/bind/rtsp", json=body)
    assert added.status_code == 201, added.text
    camera_id = added.json()["id"]
    assert added.json()["rtsp_transport"] == "auto"
    assert added.json()["transport_in_use"] == "udp"  # the look at binding found it
    recorder.sync()
    live = wait_for(lambda: (c := camera(client, camera_id))["online"] and c)
    assert live["transport_in_use"] == "udp" and live["problem_code"] is None
    wait_for(lambda: segments(ctx, camera_id) >= 2, timeout=30)
    page = client.get(f"/cameras/{camera_id}").text
    assert "using UDP" in page
    with ctx.db.session() as db:
        assert db.get(Camera, camera_id).rtsp_transport_used == "udp"  # type: ignore[union-attr]

    # A restart of the service asks over UDP first: no refused TCP attempt before it.
    recorder.stop()
    again = Recorder(ctx, ctx.vault)
    ctx.recorder = again
    again.start()
    try:
        assert again.ingests[camera_id].connection.transport == "udp"
        wait_for(lambda: camera(client, camera_id)["online"])
        assert again.ingests[camera_id].status.reconnects == 0
    finally:
        again.stop()
        ctx.recorder = recorder


@needs_gst
def test_issue12_item2_tcp_override_shows_the_refused_transport(
    client: TestClient, alice: User, ctx: AppContext, recorder: Recorder, udp_camera: ForeignCamera
) -> None:
    body = {"url": udp_camera.url, "name": "UDP only", "rtsp_transport": "tcp"}
    refused = client.post(f"{CAMERAS}/bind/rtsp", json=body)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == status.TRANSPORT_REFUSED

    added = client.post(f"{CAMERAS}/bind/rtsp", json={**body, "add_offline": True}).json()
    recorder.sync()
    shown = wait_for(lambda: (c := camera(client, added["id"]))["problem_code"] and c)
    assert shown["problem_code"] == status.TRANSPORT_REFUSED and not shown["online"]
    assert shown["problem_next_step"] == status.PROBLEMS[status.TRANSPORT_REFUSED].next_step
    page = html.unescape(client.get(f"/cameras/{added['id']}").text)
    assert status.PROBLEMS[status.TRANSPORT_REFUSED].what in page

    # Back to auto: the recorder restarts the ingest, and the camera records over UDP.
    switched = client.patch(f"{CAMERAS}/{added['id']}", json={"rtsp_transport": "auto"})
    assert switched.status_code == 200 and switched.json()["rtsp_transport"] == "auto"
    recorder.sync()
    live = wait_for(lambda: (c := camera(client, added["id"]))["online"] and c)
    assert live["transport_in_use"] == "udp"


def test_issue12_item2_patch_refuses_an_unknown_transport(
    client: TestClient, alice: User, ctx: AppContext
) -> None:
    body = {"url": "rtsp://127.0.0.1:9/x", "name": "Cam", "add_offline": True}
    added = client.post(f"{CAMERAS}/bind/rtsp", json=body).json()
    answer = client.patch(f"{CAMERAS}/{added['id']}", json={"rtsp_transport": "sctp"})
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "request.invalid"


@pytest.mark.parametrize(
    ("setting", "learned", "order"),
    [
        ("auto", None, ("tcp", "udp")),
        ("auto", "udp", ("udp", "tcp")),
        ("tcp", "udp", ("tcp",)),
        ("udp", None, ("udp",)),
    ],
)
def test_issue12_item2_transport_order(
    setting: str, learned: str | None, order: tuple[str, ...]
) -> None:
    assert transport_order(setting, learned) == order


def test_issue12_item2_refused_tcp_switches_to_udp_at_once_and_learns_it() -> None:
    learned: list[str] = []
    policy = ConnectionPolicy("auto", None, learned.append)
    refused = av.error.OSError(errno.EPROTONOSUPPORT, "Protocol not supported")
    wait = policy.session_ended(refused, status.TRANSPORT_REFUSED, had_video=False, now=0.0)
    assert (wait, policy.transport) == (0.0, "udp")
    assert policy.session_ended(None, None, had_video=True, now=1.0) == QUICK_RETRY_S
    assert learned == ["udp"]
    # Both refused: the switch back waits, instead of spinning between them.
    policy.session_ended(refused, status.TRANSPORT_REFUSED, had_video=False, now=2.0)
    assert policy.transport == "tcp"
    wait = policy.session_ended(refused, status.TRANSPORT_REFUSED, had_video=False, now=3.0)
    assert wait > 0 and policy.transport == "udp"


def test_issue12_item2_override_never_switches() -> None:
    policy = ConnectionPolicy("tcp", "udp")
    refused = av.error.OSError(errno.EPROTONOSUPPORT, "Protocol not supported")
    wait = policy.session_ended(refused, status.TRANSPORT_REFUSED, had_video=False, now=0.0)
    assert policy.transport == "tcp" and wait == QUICK_RETRY_S
    auth = av.error.HTTPUnauthorizedError(1, "401")
    assert policy.session_ended(auth, status.AUTH_FAILED, had_video=False, now=1.0) == SLOW_FIRST_S


def test_issue12_item2_a_silent_udp_session_goes_back_to_tcp() -> None:
    """UDP set up, but no packet ever arrives (a firewall drops them): auto asks over TCP."""
    policy = ConnectionPolicy("auto", "udp")
    assert policy.transport == "udp"
    silent = av.error.TimeoutError(errno.ETIMEDOUT, "Connection timed out")
    wait = policy.session_ended(silent, status.UNREACHABLE, had_video=False, now=0.0)
    assert (wait, policy.transport) == (0.0, "tcp")
