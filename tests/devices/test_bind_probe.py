"""Issue 12 item 6: binding by address looks at the stream first (a few seconds, bounded),
answers what it found (codec, size, transport) or why not, and refuses a camera it cannot
reach unless its owner adds it as offline. Real servers: GStreamer's RTSP server, a closed
port."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.media import status
from tests.support.foreign_cameras import ForeignCamera, available, foreign_camera

CAMERAS = "/api/v1/cameras"
PROBE_BOUND_S = 12.0  # the look never takes longer than this, whatever answers
needs_gst = pytest.mark.skipif(not available(), reason="gst-rtsp-server or ffmpeg missing")


@pytest.fixture(scope="module")
def locked() -> Iterator[ForeignCamera]:
    with foreign_camera("h264-bframes-aac", user="keeper", password="s3cret-pw") as camera:
        yield camera


@pytest.fixture(scope="module")
def udp_only() -> Iterator[ForeignCamera]:
    with foreign_camera("h264-pcmu", udp_only=True) as camera:
        yield camera


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def camera_count(ctx: AppContext) -> int:
    with ctx.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(Camera)) or 0)


def probe(client: TestClient, **body: Any) -> dict[str, Any]:
    started = time.monotonic()
    answer = client.post(f"{CAMERAS}/probe", json=body)
    assert time.monotonic() - started < PROBE_BOUND_S
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


@needs_gst
def test_issue12_item6_probe_answers_codec_size_and_transport(
    client: TestClient, alice: User, locked: ForeignCamera, udp_only: ForeignCamera
) -> None:
    found = probe(client, url=locked.url_without_credentials, username="keeper",
                  password="s3cret-pw")  # fmt: skip
    assert found == {
        "reached": True, "codec": "h264", "width": 640, "height": 360, "transport": "tcp",
        "problem_code": None, "problem": None, "next_step": None, "audio": "aac",
    }  # fmt: skip
    assert probe(client, url=udp_only.url)["transport"] == "udp"


@needs_gst
@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("wrong password", status.AUTH_FAILED),
        ("no password", status.AUTH_FAILED),
        ("wrong path", status.WRONG_PATH),
        ("closed port", status.CONNECTION_REFUSED),
        ("udp only over tcp", status.TRANSPORT_REFUSED),
    ],
)
def test_issue12_item6_probe_says_why_not(
    client: TestClient,
    alice: User,
    locked: ForeignCamera,
    udp_only: ForeignCamera,
    case: str,
    code: str,
) -> None:
    bodies: dict[str, dict[str, Any]] = {
        "wrong password": {"url": locked.url.replace("s3cret-pw", "guess")},
        "no password": {"url": locked.url_without_credentials},
        "wrong path": {"url": locked.url.replace("/file", "/stream1")},
        "closed port": {"url": f"rtsp://127.0.0.1:{closed_port()}/stream"},
        "udp only over tcp": {"url": udp_only.url, "rtsp_transport": "tcp"},
    }
    found = probe(client, **bodies[case])
    assert (found["reached"], found["problem_code"]) == (False, code)
    assert found["problem"] == status.PROBLEMS[code].what
    assert found["next_step"] == status.PROBLEMS[code].next_step
    assert "guess" not in str(found) and "Errno" not in str(found)


def test_issue12_item6_binding_refuses_what_it_cannot_reach_unless_added_offline(
    client: TestClient, alice: User, ctx: AppContext
) -> None:
    body = {"url": "rtsp://127.0.0.1:1/nothing", "name": "Nothing"}
    started = time.monotonic()
    refused = client.post(f"{CAMERAS}/bind/rtsp", json=body)
    assert time.monotonic() - started < PROBE_BOUND_S
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == status.CONNECTION_REFUSED
    assert error["details"]["next_step"] == status.PROBLEMS[status.CONNECTION_REFUSED].next_step
    assert camera_count(ctx) == 0
    offline = client.post(f"{CAMERAS}/bind/rtsp", json={**body, "add_offline": True})
    assert offline.status_code == 201 and camera_count(ctx) == 1


def test_issue12_item6_probe_checks_the_address_policy_first(
    client: TestClient, alice: User
) -> None:
    for url, code in [
        ("rtsp://169.254.169.254/latest", "camera.address_forbidden"),
        ("http://127.0.0.1:1/x", "camera.url_invalid"),
    ]:
        answer = client.post(f"{CAMERAS}/probe", json={"url": url})
        assert answer.status_code == 422 and answer.json()["error"]["code"] == code
    assert (
        client.post(f"{CAMERAS}/probe", json={"url": "rtsp://x/y", "extra": 1}).status_code == 422
    )


def test_issue12_item6_probing_needs_a_signed_in_user(client: TestClient) -> None:
    answer = client.post(f"{CAMERAS}/probe", json={"url": "rtsp://127.0.0.1:1/x"})
    assert answer.status_code == 401
