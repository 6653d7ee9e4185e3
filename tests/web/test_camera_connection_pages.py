"""Issue 12 items 5 and 6 through the HTML forms: the add page looks at the stream first;
the settings page changes a camera's connection; the camera page and My devices say why a
camera is offline, with what to do next."""

from __future__ import annotations

import html
import socket
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.devices.registry import open_credentials
from hearthwatch.media import status
from hearthwatch.media.recorder import Recorder
from tests.media.conftest import wait_for
from tests.support.foreign_cameras import ForeignCamera, available, foreign_camera
from tests.web.conftest import submit, web_sign_in

CAMERAS = "/api/v1/cameras"
needs_gst = pytest.mark.skipif(not available(), reason="gst-rtsp-server or ffmpeg missing")


@pytest.fixture
def locked() -> Iterator[ForeignCamera]:
    with foreign_camera("h264-bframes-aac", user="keeper", password="s3cret-pw") as camera:
        yield camera


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def camera_count(ctx: AppContext) -> int:
    with ctx.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(Camera)) or 0)


def only_camera(ctx: AppContext) -> Camera:
    with ctx.db.session() as db:
        camera = db.scalars(select(Camera)).one()
        db.expunge(camera)
        return camera


@needs_gst
def test_issue12_item6_the_add_page_adds_a_reachable_camera_and_refuses_the_rest(
    client: TestClient, ctx: AppContext, web_alice: User, locked: ForeignCamera
) -> None:
    web_sign_in(client, web_alice.email)
    fields = {"url": f"rtsp://127.0.0.1:{closed_port()}/live", "name": "Porch"}
    refused = submit(client, "/cameras/add/rtsp", fields, page="/cameras/add")
    assert refused.status_code == 422
    assert status.PROBLEMS[status.CONNECTION_REFUSED].what in html.unescape(refused.text)
    assert camera_count(ctx) == 0
    good = {"url": locked.url_without_credentials, "username": "keeper",
            "password": "s3cret-pw", "name": "Porch"}  # fmt: skip
    added = submit(client, "/cameras/add/rtsp", good, page="/cameras/add")
    assert added.status_code == 303, added.text
    with ctx.db.session() as db:
        camera = db.scalars(select(Camera)).one()
        assert (camera.video_codec, camera.video_width, camera.rtsp_transport_used) == (
            "h264",
            640,
            "tcp",
        )


@needs_gst
def test_issue12_item6_settings_change_the_connection_and_item5_pages_say_why(
    client: TestClient, ctx: AppContext, web_alice: User, recorder: Recorder,
    locked: ForeignCamera,
) -> None:  # fmt: skip
    web_sign_in(client, web_alice.email)
    good = {"url": locked.url_without_credentials, "username": "keeper",
            "password": "s3cret-pw", "name": "Porch"}  # fmt: skip
    assert submit(client, "/cameras/add/rtsp", good, page="/cameras/add").status_code == 303
    camera_id = only_camera(ctx).id
    settings = f"/cameras/{camera_id}/settings"
    page = client.get(settings).text
    assert locked.url_without_credentials in page  # the owner sees their own address
    assert "s3cret-pw" not in page and 'value="keeper"' not in page

    # A forbidden address is refused inline, and nothing changes.
    bad = {"url": "rtsp://169.254.169.254/x", "rtsp_transport": "auto"}
    refused = submit(client, f"/cameras/{camera_id}/connection", bad, page=settings)
    assert refused.status_code == 422
    assert 'id="conn-url"' in refused.text and 'aria-invalid="true"' in refused.text
    assert only_camera(ctx).rtsp_url == locked.url_without_credentials

    # A new password the camera refuses: the look says why, and nothing changes...
    wrong = {"url": locked.url_without_credentials, "password": "guess", "rtsp_transport": "auto"}
    looked = submit(client, f"/cameras/{camera_id}/connection", wrong, page=settings)
    assert looked.status_code == 422
    assert status.PROBLEMS[status.AUTH_FAILED].next_step in html.unescape(looked.text)
    assert 'id="conn-password"' in looked.text and "guess" not in looked.text
    kept = only_camera(ctx).credentials
    assert kept is not None and open_credentials(ctx, camera_id, kept)[1] == "s3cret-pw"
    # ...unless saved even though it cannot be reached now (the user name field left empty
    # keeps the stored one).
    wrong["save_offline"] = "true"
    saved = submit(client, f"/cameras/{camera_id}/connection", wrong, page=settings)
    assert saved.status_code == 303, saved.text
    sealed = only_camera(ctx).credentials
    assert sealed is not None and open_credentials(ctx, camera_id, sealed) == ("keeper", "guess")
    recorder.sync()
    problem = status.PROBLEMS[status.AUTH_FAILED]
    wait_for(lambda: client.get(f"{CAMERAS}/{camera_id}").json()["problem_code"])
    camera_page = html.unescape(client.get(f"/cameras/{camera_id}").text)
    assert problem.what in camera_page and problem.next_step in camera_page
    found = "H.264 · 640 \N{MULTIPLICATION SIGN} 360"  # found by the look at binding
    assert found in camera_page
    assert "Check that it has power and network" not in camera_page
    home = html.unescape(client.get("/").text)
    assert f'data-problem-badge="{status.AUTH_FAILED}"' in home and problem.label in home

    fixed = {"url": locked.url_without_credentials, "password": "s3cret-pw",
             "rtsp_transport": "tcp"}  # fmt: skip
    reached = submit(client, f"/cameras/{camera_id}/connection", fixed, page=settings)
    assert reached.status_code == 303
    assert "found=true" in reached.headers["location"]
    shown = html.unescape(client.get(reached.headers["location"]).text)
    assert (
        "we reached the camera" in shown
        and "H.264 · 640 \N{MULTIPLICATION SIGN} 360 · TCP" in shown
    )
    recorder.sync()
    wait_for(lambda: client.get(f"{CAMERAS}/{camera_id}").json()["online"])
    assert only_camera(ctx).rtsp_transport == "tcp"
    assert "using TCP" in client.get(f"/cameras/{camera_id}").text


def test_issue12_item6_connection_form_refuses_a_wrong_csrf_token(
    client: TestClient, ctx: AppContext, web_alice: User
) -> None:
    web_sign_in(client, web_alice.email)
    fields = {"url": "rtsp://192.0.2.10:554/s", "name": "Far", "add_offline": "true"}
    assert submit(client, "/cameras/add/rtsp", fields, page="/cameras/add").status_code == 303
    camera_id = only_camera(ctx).id
    answer = client.post(
        f"/cameras/{camera_id}/connection",
        data={"csrf_token": "forged", "url": "rtsp://192.0.2.11:554/s"},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert only_camera(ctx).rtsp_url == "rtsp://192.0.2.10:554/s"


def test_issue12_item4_the_connection_form_sets_and_removes_the_sub_stream(
    client: TestClient, ctx: AppContext, web_alice: User
) -> None:
    """The settings page names the H.264 sub-stream live view falls back to for an H.265
    camera: set, kept when the field is not sent, refused when invalid, removed when empty."""
    web_sign_in(client, web_alice.email)
    fields = {"url": "rtsp://192.0.2.10:554/main", "name": "Drive", "add_offline": "true"}
    assert submit(client, "/cameras/add/rtsp", fields, page="/cameras/add").status_code == 303
    camera_id = only_camera(ctx).id
    settings, action = f"/cameras/{camera_id}/settings", f"/cameras/{camera_id}/connection"
    base = {"url": "rtsp://192.0.2.10:554/main", "rtsp_transport": "auto", "save_offline": "true"}

    sub = "rtsp://192.0.2.10:554/sub"
    assert submit(client, action, {**base, "sub_url": sub}, page=settings).status_code == 303
    assert only_camera(ctx).sub_rtsp_url == sub
    assert f'value="{sub}"' in client.get(settings).text

    assert submit(client, action, base, page=settings).status_code == 303  # not sent: kept
    assert only_camera(ctx).sub_rtsp_url == sub

    bad = submit(client, action, {**base, "sub_url": "http://192.0.2.10/sub"}, page=settings)
    assert bad.status_code == 422
    assert only_camera(ctx).sub_rtsp_url == sub

    assert submit(client, action, {**base, "sub_url": ""}, page=settings).status_code == 303
    assert only_camera(ctx).sub_rtsp_url is None


def test_issue12_item4_the_add_page_takes_a_sub_stream(
    client: TestClient, ctx: AppContext, web_alice: User
) -> None:
    web_sign_in(client, web_alice.email)
    fields = {
        "url": "rtsp://192.0.2.10:554/main", "sub_url": "rtsp://192.0.2.10:554/sub",
        "name": "Drive", "add_offline": "true",
    }  # fmt: skip
    bad = submit(client, "/cameras/add/rtsp", {**fields, "sub_url": "ftp://x"}, page="/cameras/add")
    assert bad.status_code == 422 and camera_count(ctx) == 0
    assert 'value="ftp://x"' in bad.text  # what was typed is shown again
    assert submit(client, "/cameras/add/rtsp", fields, page="/cameras/add").status_code == 303
    assert only_camera(ctx).sub_rtsp_url == "rtsp://192.0.2.10:554/sub"
