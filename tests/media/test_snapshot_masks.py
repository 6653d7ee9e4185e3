"""Issue 14 item 1: privacy masks are blacked out in every picture made of a camera: the live
snapshot, the snapshot of a recorded moment and the still in the data export (event
thumbnails: tests/events/test_detector.py). Each JPEG is decoded: the masked area is black,
the rest is the picture."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from fastapi.testclient import TestClient
from numpy.typing import NDArray

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from tests.factories import add_recorded_camera, build_export, open_export
from tests.media.conftest import wait_for
from tests.media.test_recording import media_token

CAMERAS = "/api/v1/cameras"
# The top-left quarter, masked; the picture's own top-left is bright sky.
MASK = [[0.0, 0.0], [0.5, 0.0], [0.5, 0.5], [0.0, 0.5]]
START_US = 1_780_000_000_000_000


def picture(jpeg: bytes) -> NDArray[np.uint8]:
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None, "not a JPEG"
    return np.asarray(decoded, dtype=np.uint8)


def assert_masked(jpeg: bytes) -> None:
    """Black inside the mask (a JPEG edge of a few pixels aside), the picture outside it."""
    image = picture(jpeg)
    height, width = image.shape[:2]
    inside = image[: height * 45 // 100, : width * 45 // 100]
    beside = image[: height * 45 // 100, width * 55 // 100 :]  # the sky, right of the mask
    assert inside.max() <= 24, inside.max()
    assert beside.mean() > 60


def mask(client: TestClient, camera_id: str) -> None:
    changed = client.put(f"{CAMERAS}/{camera_id}/detection", json={"masks": [MASK]})
    assert changed.status_code == 200, changed.text


def test_issue14_live_snapshot_blacks_out_the_privacy_masks(
    client: TestClient, bound: dict[str, Any]
) -> None:
    camera_id = bound["id"]
    shot = wait_for(lambda: (s := client.get(f"{CAMERAS}/{camera_id}/snapshot")).is_success and s)
    assert picture(shot.content)[:40, :40].mean() > 60  # sky before any mask
    mask(client, camera_id)
    assert_masked(client.get(f"{CAMERAS}/{camera_id}/snapshot").content)


def test_issue14_recorded_snapshot_and_exported_still_black_out_the_privacy_masks(
    client: TestClient, ctx: AppContext, alice: User
) -> None:
    recorded = add_recorded_camera(ctx, alice.id, "Yard", [(START_US, 2)])
    camera_id = recorded.camera_id
    token = media_token(client, camera_id)
    at = "2026-05-28T20:26:41+00:00"  # START_US + 1 s
    before = client.get(f"{CAMERAS}/{camera_id}/snapshot", params={"token": token, "at": at})
    assert before.status_code == 200, before.text
    assert picture(before.content)[:40, :40].mean() > 60
    mask(client, camera_id)
    shot = client.get(f"{CAMERAS}/{camera_id}/snapshot", params={"token": token, "at": at})
    assert shot.status_code == 200
    assert_masked(shot.content)

    with open_export(ctx, build_export(ctx, alice)) as archive:
        stills = [n for n in archive.namelist() if n.startswith("snapshots/")]
        assert len(stills) == 1
        assert_masked(archive.read(stills[0]))
