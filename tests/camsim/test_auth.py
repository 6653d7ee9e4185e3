"""RTSP authentication: a camera with credentials refuses the wrong ones."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import av
import pytest

from hearthwatch.camsim.fleet import CameraFleet, CameraInfo
from hearthwatch.camsim.fleet_state import CredentialPolicy
from tests.camsim.conftest import StartFleet, fleet_config
from tests.camsim.rtsp_client import RawRtspClient, digest_header
from tests.camsim.streams import capture

USER, PASSWORD = "viewer", "s3cret:pass word"


@pytest.fixture(scope="module")
def locked_fleet() -> Iterator[CameraFleet]:
    with CameraFleet(fleet_config(credentials=CredentialPolicy(USER, PASSWORD))) as fleet:
        yield fleet


@pytest.fixture
def locked(locked_fleet: CameraFleet) -> CameraInfo:
    return locked_fleet.cameras[0]


def test_pyav_with_the_right_password_reads_the_stream(locked: CameraInfo) -> None:
    result = capture(locked.url("main", with_credentials=True), seconds=0.3)
    assert (result.width, result.height) == (1280, 720)


@pytest.mark.parametrize("password", ["wrong", ""])
def test_pyav_with_a_wrong_password_is_refused(locked: CameraInfo, password: str) -> None:
    url = locked.main_url.replace("rtsp://", f"rtsp://{USER}:{password}@")
    with pytest.raises(av.FFmpegError), av.open(url, options={"rtsp_transport": "tcp"}, timeout=5):
        pass


def test_without_credentials_the_camera_challenges_with_digest(
    locked_fleet: CameraFleet, locked: CameraInfo
) -> None:
    with RawRtspClient(locked_fleet.rtsp_port) as client:
        reply = client.request("DESCRIBE", locked.main_url)
    assert reply.status == 401
    assert reply.headers["www-authenticate"].startswith('Digest realm="')


@pytest.mark.parametrize(
    ("password", "status"), [(PASSWORD, 200), ("wrong", 401), (PASSWORD.upper(), 401)]
)
def test_digest_answer_is_checked(
    locked_fleet: CameraFleet, locked: CameraInfo, password: str, status: int
) -> None:
    with RawRtspClient(locked_fleet.rtsp_port) as client:
        challenge = client.request("DESCRIBE", locked.main_url).headers["www-authenticate"]
        answer = digest_header(
            challenge, username=USER, password=password, method="DESCRIBE", uri=locked.main_url
        )
        assert (
            client.request("DESCRIBE", locked.main_url, {"Authorization": answer}).status == status
        )


@pytest.mark.parametrize(
    ("credentials", "status"),
    [(f"{USER}:{PASSWORD}", 200), (f"{USER}:nope", 401), ("garbage-not-base64!", 401)],
)
def test_basic_auth_is_accepted_too(
    locked_fleet: CameraFleet, locked: CameraInfo, credentials: str, status: int
) -> None:
    token = base64.b64encode(credentials.encode()).decode() if ":" in credentials else credentials
    with RawRtspClient(locked_fleet.rtsp_port) as client:
        reply = client.request("DESCRIBE", locked.main_url, {"Authorization": f"Basic {token}"})
    assert reply.status == status


def test_unique_passwords_give_each_camera_its_own(start_fleet: StartFleet) -> None:
    fleet = start_fleet(cameras=2, credentials=CredentialPolicy(unique_passwords=True))
    first, second = fleet.cameras
    assert first.password and second.password and first.password != second.password
    assert capture(second.url("main", with_credentials=True), seconds=0.2).packets
