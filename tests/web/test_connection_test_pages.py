"""Issue 12 item 6 follow-up without a script: the add page's "Test the connection" button
submits the address form to `/cameras/add/rtsp/test`, which makes the same look as the
API's probe and shows the page again with the answer (a live region) and what was typed
(never the password); nothing is added."""

from __future__ import annotations

import html
import re
import socket
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.media import status
from tests.support.foreign_cameras import ForeignCamera, available, foreign_camera
from tests.web.conftest import submit

TEST = "/cameras/add/rtsp/test"
needs_gst = pytest.mark.skipif(not available(), reason="gst-rtsp-server or ffmpeg missing")


@pytest.fixture
def locked() -> Iterator[ForeignCamera]:
    with foreign_camera("h264-pcmu", user="keeper", password="s3cret-pw") as camera:
        yield camera


def answer_of(page: str) -> str:
    """The text of the answer region, whitespace folded."""
    found = re.search(
        r'<div class="probe-answer[^"]*"[^>]*data-probe-answer>(.*?)</div>', page, re.S
    )
    assert found is not None, page
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def camera_count(ctx: AppContext) -> int:
    with ctx.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(Camera)) or 0)


def test_issue12_item6_the_test_button_works_without_a_script(
    client: TestClient, web_alice: User
) -> None:
    page = client.get("/cameras/add?way=rtsp").text
    assert f'formaction="{TEST}"' in page and 'aria-live="polite"' in page


@needs_gst
def test_issue12_item6_test_the_connection_without_a_script(
    client: TestClient, ctx: AppContext, web_alice: User, locked: ForeignCamera
) -> None:
    typed = {"url": locked.url_without_credentials, "username": "keeper", "name": "Porch",
             "rtsp_transport": "auto"}  # fmt: skip
    wrong = submit(client, TEST, {**typed, "password": "guess"}, page="/cameras/add")
    assert wrong.status_code == 200
    problem = status.PROBLEMS[status.AUTH_FAILED]
    assert answer_of(wrong.text) == f"{problem.what} {problem.next_step}"
    assert locked.url_without_credentials in wrong.text and "guess" not in wrong.text

    right = submit(client, TEST, {**typed, "password": "s3cret-pw"}, page="/cameras/add")
    assert answer_of(right.text) == (
        "Reached the camera. H.264 · 640 \N{MULTIPLICATION SIGN} 360 · TCP · sound G.711 µ-law"
    )
    assert "s3cret-pw" not in right.text
    assert camera_count(ctx) == 0  # a test adds nothing


def test_issue12_item6_the_test_says_why_not_in_place(
    client: TestClient, ctx: AppContext, web_alice: User
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    closed = submit(client, TEST, {"url": f"rtsp://127.0.0.1:{port}/x"}, page="/cameras/add")
    refused = status.PROBLEMS[status.CONNECTION_REFUSED]
    assert answer_of(closed.text) == f"{refused.what} {refused.next_step}"
    forbidden = submit(client, TEST, {"url": "rtsp://169.254.169.254/x"}, page="/cameras/add")
    assert forbidden.status_code == 422 and 'aria-invalid="true"' in forbidden.text
    forged = client.post(TEST, data={"csrf_token": "forged", "url": "rtsp://127.0.0.1:1/x"})
    assert forged.status_code == 403
    assert camera_count(ctx) == 0
