"""Issue 12 item 16 in Debian's chromium (P13): the playback keys land on recorded video,
the timeline opens zoomed to the day's recordings, and a short recording stays visible and
clickable at the 24-hour zoom.

A simulated camera over real RTSP is recorded by the real recorder; a reboot of the camera
leaves a real gap, so the day holds two recorded stretches.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from hearthwatch.camsim.camera import SimulatedCamera
from hearthwatch.context import AppContext
from hearthwatch.devices.binding import bind_by_code
from hearthwatch.media import playback
from hearthwatch.media.models import Segment
from hearthwatch.media.recorder import Recorder
from tests.conftest import STRONG_PASSWORD
from tests.media.conftest import Cameras, wait_for
from tests.support.browser import DESKTOP, MEDIA_ARGS, chromium, watched_page

pytestmark = pytest.mark.browser


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium(*MEDIA_ARGS) as launched:
        yield launched


@pytest.fixture
def desktop(browser: Browser, tmp_path: Path) -> Iterator[tuple[Page, list[str]]]:
    with watched_page(
        browser, screenshot=tmp_path / "hw-last-page.png", timeout_ms=20_000, viewport=DESKTOP,
        accept_downloads=True,
    ) as watched:  # fmt: skip
        yield watched


def bind(ctx: AppContext, recorder: Recorder, user: Any, camera: SimulatedCamera) -> str:
    with ctx.db.session() as db:
        bound = bind_by_code(
            ctx, db, user=user, serial=camera.serial, code=camera.identity.verification_code,
            name="Porch",
        )  # fmt: skip
        camera_id = bound.id
        db.commit()
    recorder.sync()
    return camera_id


def open_playback(page: Page, url: str, email: str, camera_id: str) -> None:
    """Sign in straight into the playback page (the home page would start live tiles)."""
    page.goto(f"{url}/cameras/{camera_id}/playback")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Recordings")).to_be_visible()


def spans(ctx: AppContext, camera_id: str) -> list[playback.Span]:
    with ctx.db.session() as db:
        found = db.scalars(
            select(Segment).where(Segment.camera_id == camera_id).order_by(Segment.start_us)
        ).all()
        return playback.spans(list(found))


def long_enough(ctx: AppContext, camera_id: str, count: int, seconds: float) -> bool:
    found = spans(ctx, camera_id)
    return len(found) >= count and found[-1].end_us - found[-1].start_us >= seconds * 1e6


def shown_spans(page: Page) -> list[tuple[float, float]]:
    """The recorded stretches the page draws, in seconds since its day's midnight."""
    bars = page.locator("[data-spans] .timeline__span")
    return [
        (float(bar.get_attribute("data-start") or 0), float(bar.get_attribute("data-end") or 0))
        for bar in bars.all()
    ]


def position(page: Page) -> int:
    return int(page.get_by_role("slider", name="Timeline").get_attribute("aria-valuenow") or -1)


def assert_at(page: Page, expected: float) -> None:
    assert abs(position(page) - expected) <= 1, (position(page), expected)


def video_reaches(page: Page, seconds: float) -> None:
    """The video itself moved there (not only the cursor)."""
    page.wait_for_function(
        "s => Math.abs(document.querySelector('[data-player] video').currentTime - s) < 1.5",
        arg=seconds,
    )


def test_p13_issue12_item16_keys_land_on_recorded_video(
    live_server: Any,
    make_user: Any,
    ctx: AppContext,
    registered: list[SimulatedCamera],
    recorder: Recorder,
    cameras: Cameras,
    desktop: tuple[Page, list[str]],
) -> None:
    page, errors = desktop
    user = make_user()
    camera_id = bind(ctx, recorder, user, registered[0])
    wait_for(lambda: long_enough(ctx, camera_id, 1, 6), timeout=30)
    cameras.call(lambda: cameras.cameras[0].reboot(3.0))
    wait_for(lambda: long_enough(ctx, camera_id, 2, 6), timeout=40)

    open_playback(page, live_server.url, user.email, camera_id)
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "playing")
    drawn = shown_spans(page)
    assert len(drawn) >= 2, drawn
    (first_start, _), (second_start, _) = drawn[:2]
    (before_start, before_end), (last_start, last_end) = drawn[-2:]
    latest = last_end - 3
    page.get_by_role("button", name="Pause").click()

    slider = page.get_by_role("slider", name="Timeline")
    slider.focus()
    page.keyboard.press("Home")
    assert_at(page, first_start)
    video_reaches(page, first_start)
    page.keyboard.press("PageUp")  # near the start: on to the next recording
    assert_at(page, second_start)
    video_reaches(page, second_start)
    page.keyboard.press("PageDown")  # at a recording's start: the one before
    assert_at(page, first_start)
    page.keyboard.press("End")  # the latest moments, not the start, not a stop
    assert_at(page, latest)
    video_reaches(page, latest)
    expect(page.locator("[data-player]")).not_to_have_attribute("data-state", "end")
    page.keyboard.press("PageDown")  # inside a recording: back to its start
    assert_at(page, last_start)
    page.keyboard.press("ArrowLeft")  # ten seconds back, never into the gap
    back = last_start - 10
    back = back if before_start <= back < before_end else max(before_start, before_end - 10)
    assert_at(page, back)
    expect(slider).to_have_attribute("aria-valuetext", re.compile(r"\d, recorded$"))
    video_reaches(page, back)

    # With nothing focused the keys still drive the timeline.
    page.get_by_role("heading", name="Recordings").click()
    page.keyboard.press("End")
    assert_at(page, latest)
    page.keyboard.press("Home")
    assert_at(page, first_start)

    page.get_by_text("Keyboard shortcuts", exact=True).click()
    help_box = page.locator("[data-key-help]")
    for key in ("Home", "End", "Page Up", "Page Down", "Shift"):
        expect(help_box.get_by_text(key, exact=True).first).to_be_visible()
    assert errors == []


def test_p13_issue12_item16_zoomed_to_the_recording_short_ones_clickable_clips_say_what_they_hold(
    live_server: Any,
    make_user: Any,
    ctx: AppContext,
    registered: list[SimulatedCamera],
    recorder: Recorder,
    desktop: tuple[Page, list[str]],
) -> None:
    page, errors = desktop
    user = make_user()
    camera_id = bind(ctx, recorder, user, registered[0])
    wait_for(lambda: long_enough(ctx, camera_id, 1, 4), timeout=30)

    open_playback(page, live_server.url, user.email, camera_id)
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "playing")
    zoom = page.locator("[data-zoom-label]")
    expect(zoom).to_have_text("10 min")  # a few seconds of video: the closest zoom
    bar = page.locator("[data-spans] .timeline__span").first
    expect(bar).to_be_visible()
    opened = bar.bounding_box()
    assert opened is not None and opened["width"] >= 10, opened

    for _ in range(4):
        page.get_by_role("button", name="Zoom out").click()
    expect(zoom).to_have_text("24 h")
    expect(bar).to_be_visible()
    box = bar.bounding_box()
    assert box is not None and box["width"] >= 10, box  # seconds in a day: still visible
    page.get_by_role("button", name="Pause").click()
    slider = page.get_by_role("slider", name="Timeline")
    for x in (box["x"] + 1, box["x"] + box["width"] - 1):  # either edge of the drawn bar
        page.mouse.click(x, box["y"] + box["height"] / 2)
        expect(slider).to_have_attribute("aria-valuetext", re.compile(r"\d, recorded$"))

    # The default clip (a minute around the position) runs past the recording: it says so.
    page.get_by_role("button", name="Download clip").click()
    with page.expect_download() as clip:
        page.get_by_role("button", name="Download MP4").click()
    assert clip.value.failure() is None
    note = page.locator("[data-clip-note]")
    expect(note).to_contain_text("The recording stops at")
    expect(note).to_contain_text("(you asked for 1 min 00 s)")
    assert errors == []
