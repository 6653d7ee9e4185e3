"""P16: video is confidential. Staff do not watch it; it is disclosed only when the law
compels it.

Olga holds the operator role, so every operator tool: the request desk (with Alice's
access request open in it), the minors' review, statistics, the audit log check and the
privacy check. None of those, and none of the ways a person reaches their own video (the
API, the web pages, media tokens, data exports), lets her watch, download, snapshot, clip,
export or list Alice's recordings. Every refusal is set against Alice doing the same thing
successfully, so a route that broke for everyone cannot pass for a refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from tests.conftest import sign_in
from tests.factories import (
    OPERATOR,
    RECORDED_AT_US,
    SECOND,
    add_api_token,
    add_operator,
    add_recorded_camera,
    build_export,
    open_export,
    segments_of,
)
from tests.support.rights_requests import verified_request
from tests.support.smtp import Mailbox

CAMERAS = "/api/v1/cameras"
DESK = "/api/v1/privacy/operator/requests"
START = datetime.fromtimestamp(RECORDED_AT_US / SECOND, UTC)
WINDOW = {"start": START.isoformat(), "end": (START + timedelta(seconds=6)).isoformat()}
MOMENT = {"at": (START + timedelta(seconds=1)).isoformat()}
# What a body would hold if it carried video or a frame, or the way to fetch one.
MEDIA_MARKS = (b"\xff\xd8\xff", b"ftyp", b"moof", b"mdat", b"data:image", b"/9j/")
MEDIA_LINKS = ("/segments/", "/snapshot", "/clip", "/live", "media-token", "<video", "token=")


@dataclass(frozen=True)
class Scene:
    """Alice's recorded camera and Olga, the operator, signed in with her own client."""

    alice: User
    camera_id: str
    segment_id: int
    requests: dict[str, str]  # Alice's verified rights requests by kind
    olga: TestClient
    operator: User  # Olga's account


@pytest.fixture
def scene(
    app: FastAPI, client: TestClient, ctx: AppContext, alice: User, mailbox: Mailbox
) -> Iterator[Scene]:
    recorded = add_recorded_camera(ctx, alice.id, "Nursery", [(RECORDED_AT_US, 3)])
    segment_id = segments_of(ctx, recorded.camera_id)[0].id
    requests = {
        kind: verified_request(client, mailbox, kind, alice.email)
        for kind in ("access", "rectification")
    }
    operator = add_operator(ctx)
    with TestClient(app) as olga:
        sign_in(olga, OPERATOR)
        yield Scene(alice, recorded.camera_id, segment_id, requests, olga, operator)


def _media_requests(camera_id: str, segment_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    """Every API way to a camera's video: (method, path, request options)."""
    base = f"{CAMERAS}/{camera_id}"
    return [
        ("GET", base, {}),
        ("GET", f"{base}/recordings", {"params": WINDOW}),
        ("GET", f"{base}/segments/{segment_id}", {}),
        ("GET", f"{base}/snapshot", {"params": MOMENT}),
        ("GET", f"{base}/clip", {"params": WINDOW}),
        ("GET", f"{base}/clip/range", {"params": WINDOW}),
        ("POST", f"{base}/media-token", {"json": {"scope": "playback"}}),
        ("POST", f"{base}/media-token", {"json": {"scope": "live"}}),
    ]


@pytest.mark.parametrize("credential", ["session", "api token"])
def test_p16_an_operator_cannot_watch_download_snapshot_or_clip_anothers_video_by_api(
    app: FastAPI, client: TestClient, ctx: AppContext, scene: Scene, credential: str
) -> None:
    bearer = {"authorization": f"Bearer {add_api_token(ctx, scene.operator)}"}
    with TestClient(app, headers=bearer) as scripted:
        olga = scene.olga if credential == "session" else scripted
        for method, path, options in _media_requests(scene.camera_id, scene.segment_id):
            owned = client.request(method, path, **options)
            assert owned.status_code == 200, f"Alice: {method} {path}: {owned.text[:200]}"
            refused = olga.request(method, path, **options)
            assert refused.status_code == 404, f"Olga: {method} {path}: {refused.text[:200]}"
            assert refused.json()["error"]["code"] == "camera.not_found", path
        listed = olga.get(CAMERAS)
        assert listed.status_code == 200 and scene.camera_id not in listed.text


def test_p16_an_operator_cannot_open_anothers_live_view(
    client: TestClient, ctx: AppContext, scene: Scene
) -> None:
    """Live view needs a live media token: Olga gets none for Alice's camera, and the one
    her own camera gives her opens neither WebRTC nor the live socket of Alice's."""
    own = add_recorded_camera(ctx, scene.operator.id, "Desk", [(RECORDED_AT_US, 1)])
    minted = scene.olga.post(f"{CAMERAS}/{own.camera_id}/media-token", json={"scope": "live"})
    assert minted.status_code == 200, minted.text
    offer = {"sdp": "v=0\r\n", "type": "offer"}
    base = f"{CAMERAS}/{scene.camera_id}"
    for token in ("", minted.json()["token"]):
        refused = scene.olga.post(f"{base}/webrtc", params={"token": token}, json=offer)
        assert refused.status_code == 401, refused.text
        assert refused.json()["error"]["code"] == "media.token_invalid"
        with (
            pytest.raises(WebSocketDisconnect),
            scene.olga.websocket_connect(f"{base}/live?token={token}") as socket,
        ):
            socket.receive_bytes()


def test_p16_a_media_token_opens_only_the_camera_and_person_it_was_issued_to(
    client: TestClient, ctx: AppContext, scene: Scene
) -> None:
    """Olga's own camera gives her a real token; it does not open Alice's recordings."""
    own = add_recorded_camera(ctx, scene.operator.id, "Desk", [(RECORDED_AT_US, 1)])
    minted = scene.olga.post(f"{CAMERAS}/{own.camera_id}/media-token", json={"scope": "playback"})
    assert minted.status_code == 200, minted.text
    token = minted.json()["token"]
    mine = scene.olga.get(
        f"{CAMERAS}/{own.camera_id}/recordings", params={**WINDOW, "token": token}
    )
    assert mine.status_code == 200, mine.text
    base = f"{CAMERAS}/{scene.camera_id}"
    for path, params in [
        (f"{base}/recordings", WINDOW),
        (f"{base}/segments/{scene.segment_id}", {}),
        (f"{base}/snapshot", MOMENT),
        (f"{base}/clip", WINDOW),
    ]:
        refused = scene.olga.get(path, params={**params, "token": token})
        assert refused.status_code == 401, f"{path}: {refused.text[:200]}"
        assert refused.json()["error"]["code"] == "media.token_invalid", path


@pytest.mark.parametrize(
    "page", ["/cameras/{id}", "/cameras/{id}/playback", "/cameras/{id}/settings",
             "/cameras/{id}/firmware", "/cameras/{id}/remove"],
)  # fmt: skip
def test_p16_an_operator_cannot_open_anothers_camera_pages(
    client: TestClient, scene: Scene, page: str
) -> None:
    path = page.replace("{id}", scene.camera_id)
    assert client.get(path).status_code == 200, path
    refused = scene.olga.get(path)
    assert refused.status_code == 404, path
    assert "Nursery" not in refused.text
    home = scene.olga.get("/")
    assert home.status_code == 200 and scene.camera_id not in home.text


def test_p16_an_operator_cannot_export_or_download_anothers_video(
    client: TestClient, ctx: AppContext, scene: Scene
) -> None:
    alices = build_export(ctx, scene.alice)
    with open_export(ctx, alices) as archive:
        assert any(n.startswith("recordings/") for n in archive.namelist())  # hers hold video
    link = client.get("/api/v1/privacy/exports").json()[0]["download_url"]
    refused = scene.olga.get(link)
    assert refused.status_code == 404, refused.text
    olgas = build_export(ctx, scene.operator)
    with open_export(ctx, olgas) as archive:
        names = archive.namelist()
        assert not any(n.startswith(("recordings/", "snapshots/")) for n in names)
        assert scene.camera_id.encode() not in archive.read("data.json")


OPERATOR_TOOLS = (
    "/api/v1/privacy/operator/requests",
    "/api/v1/privacy/operator/requests/{access}",
    "/api/v1/privacy/operator/requests/{rectification}",
    "/api/v1/privacy/operator/requests/{rectification}/corrections",
    "/api/v1/privacy/operator/minors",
    "/api/v1/privacy/operator/minors/reports",
    "/api/v1/privacy/operator/statistics",
    "/api/v1/privacy/operator/audit",
    "/api/v1/privacy/operator/check",
    "/operator/requests",
    "/operator/requests/{access}",
    "/operator/requests/{rectification}",
    "/operator/statistics",
    "/operator/audit",
    "/operator/check",
    "/operator/minors",
)


def test_p16_the_operator_tools_show_no_video_and_no_frame(
    client: TestClient, scene: Scene
) -> None:
    """Even with Alice's requests about her recordings open on the desk, nothing leads to
    her video."""
    started = scene.olga.post(f"{DESK}/{scene.requests['rectification']}/start")
    assert started.status_code == 200, started.text  # corrections open once work starts
    for tool in OPERATOR_TOOLS:
        path = tool.format(**scene.requests)
        shown = scene.olga.get(path)
        assert shown.status_code == 200, f"{path}: {shown.text[:200]}"
        kind = shown.headers["content-type"]
        assert kind.startswith(("application/json", "text/html")), f"{path}: {kind}"
        assert not any(mark in shown.content for mark in MEDIA_MARKS), path
        # The correction desk may name the camera (its name can be rectified), never a way
        # to its video.
        assert not any(link in shown.text for link in MEDIA_LINKS), path
