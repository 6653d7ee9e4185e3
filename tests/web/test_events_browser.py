"""Events in Debian's Chromium (issue 14 item 5): the event list with thumbnails, local times,
filters, pages and "mark all seen" clearing the badge; an event opening playback at its
pre-roll; the timeline's marks with a thumbnail on hover; the detection editor drawing a
zone and a privacy mask and saving them; the privacy mode switch.

Events are stored rows with real sealed JPEG thumbnails; the recordings they point into are
real H.264 segments sealed by the vault, played by the page's own player.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.events.models import Event
from hearthwatch.events.thumbnails import store_thumbnail
from tests.conftest import LiveServer
from tests.factories import RECORDED_AT_US, add_camera, add_recorded_camera
from tests.media.conftest import wait_for
from tests.support.browser import DESKTOP, MEDIA_ARGS, chromium, sign_in_page, watched_page
from tests.support.event_rows import SECOND, add_event

pytestmark = pytest.mark.browser

BERLIN = "Europe/Berlin"  # 2026-09-21 is summer time there: UTC + 2 h


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium(*MEDIA_ARGS) as launched:
        yield launched


@pytest.fixture
def desktop(browser: Browser, tmp_path: Path) -> Iterator[tuple[Page, list[str]]]:
    with watched_page(
        browser, screenshot=tmp_path / "hw-last-page.png", timeout_ms=20_000, viewport=DESKTOP,
        locale="en-GB", timezone_id=BERLIN,
    ) as watched:  # fmt: skip
        yield watched


def jpeg(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 180), colour).save(out, "JPEG")
    return out.getvalue()


def with_thumbnail(ctx: AppContext, event_id: str, colour: str = "orange") -> None:
    with ctx.db.session() as session:
        event = session.get(Event, event_id)
        assert event is not None
        event.thumbnail_key = store_thumbnail(
            ctx.vault, owner_id=event.owner_id, camera_id=event.camera_id, event_id=event_id,
            jpeg=jpeg(colour),
        )  # fmt: skip


def unseen(client: TestClient) -> int:
    """The unseen count as the API tells the signed-in test client."""
    count: int = client.get("/api/v1/events/unseen-count").json()["count"]
    return count


def berlin_clock(us: int) -> str:
    moment = datetime.fromtimestamp(us / SECOND, UTC)
    return f"{(moment.hour + 2) % 24:02d}:{moment:%M:%S}"


def test_p14_event_list_filters_pages_and_mark_all_seen(
    live_server: LiveServer,
    ctx: AppContext,
    make_user: Any,
    client: TestClient,
    desktop: tuple[Page, list[str]],
) -> None:
    page, errors = desktop
    alice = make_user()
    yard = add_camera(ctx, alice.id, "Yard")
    porch = add_camera(ctx, alice.id, "Porch")
    for n in range(54):
        add_event(ctx, alice.id, yard, RECORDED_AT_US + n * 60 * SECOND)
    latest = add_event(ctx, alice.id, yard, RECORDED_AT_US + 3600 * SECOND)
    with_thumbnail(ctx, latest)
    on_porch = add_event(ctx, alice.id, porch, RECORDED_AT_US - 60 * SECOND)
    sign_in_page(page, live_server.url, alice.email)
    badge = page.locator("[data-unseen-badge]")
    expect(badge).to_have_text("56")
    page.goto(f"{live_server.url}/events")
    cards = page.locator("[data-event-id]")
    expect(cards).to_have_count(50)
    first = cards.first
    expect(first).to_have_attribute("data-event-id", latest)
    # The thumbnail decoded, and the time is Berlin's (UTC + 2 h in September).
    expect(first.locator("img")).to_have_js_property("naturalWidth", 320)
    expect(first.locator("time")).to_contain_text(berlin_clock(RECORDED_AT_US + 3600 * SECOND)[:5])
    expect(first.get_by_text("New")).to_be_visible()
    page.get_by_role("link", name="Older events").click()
    expect(cards).to_have_count(6)
    expect(cards.last).to_have_attribute("data-event-id", on_porch)
    page.get_by_label("Camera").select_option(label="Porch")
    page.get_by_role("button", name="Show").click()
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_attribute("data-event-id", on_porch)
    # "Until" in local time: 16:12 in Berlin is 14:12 UTC, before every Yard event.
    page.get_by_label("Camera").select_option(label="All cameras")
    until = datetime.fromtimestamp(RECORDED_AT_US / SECOND, UTC)
    page.get_by_label("Until").fill(f"{until:%Y-%m-%d}T{berlin_clock(RECORDED_AT_US)}")
    page.get_by_role("button", name="Show").click()
    expect(cards).to_have_count(1)
    expect(page.get_by_label("Until")).to_have_value(
        f"{until:%Y-%m-%d}T{berlin_clock(RECORDED_AT_US)}"
    )
    page.get_by_role("button", name="Mark all seen").click()
    expect(page.get_by_text("You have seen every event.")).to_be_visible()
    expect(badge).to_be_hidden()
    expect(page.locator(".badge--new")).to_have_count(0)
    sign_in_as(client, alice)
    assert unseen(client) == 0
    assert errors == []


def test_p14_event_opens_playback_at_its_pre_roll_and_the_timeline_marks_it(
    live_server: LiveServer,
    ctx: AppContext,
    make_user: Any,
    client: TestClient,
    desktop: tuple[Page, list[str]],
) -> None:
    page, errors = desktop
    alice = make_user()
    sign_in_as(client, alice)
    recorded = add_recorded_camera(ctx, alice.id, "Porch", [(RECORDED_AT_US, 40)])
    first = add_event(ctx, alice.id, recorded.camera_id, RECORDED_AT_US + 20 * SECOND)
    second = add_event(ctx, alice.id, recorded.camera_id, RECORDED_AT_US + 60 * SECOND)
    with_thumbnail(ctx, first, "red")
    with_thumbnail(ctx, second, "blue")
    sign_in_page(page, live_server.url, alice.email)
    page.goto(f"{live_server.url}/events")
    page.locator(f'[data-event-id="{first}"] [data-open-event]').click()
    expect(page).to_have_url(
        f"{live_server.url}/cameras/{recorded.camera_id}/playback?event={first}"
    )
    expect(page.get_by_role("heading", name="Recordings")).to_be_visible()
    # Playing from the pre-roll: 5 s before the event began, in Berlin time.
    pre_roll = RECORDED_AT_US + 15 * SECOND
    clock = page.locator("[data-clock]")
    expect(clock).to_have_text(re.compile("^" + berlin_clock(pre_roll)[:7]))  # playing on
    wait_for(lambda: unseen(client) == 1, timeout=10)  # opening it marked it seen
    expect(page.locator("[data-event-clip]")).to_have_attribute(
        "href", re.compile(rf"^/api/v1/cameras/{recorded.camera_id}/clip\?start=")
    )
    # The day's events are marks; hovering one shows its thumbnail.
    marks = page.locator(".timeline__mark")
    expect(marks).to_have_count(2)
    second_mark = page.locator(f'.timeline__mark[data-event-id="{second}"]')
    second_mark.hover()
    preview = page.locator("[data-mark-preview]")
    expect(preview).to_be_visible()
    expect(preview.locator("img")).to_have_attribute("src", f"/api/v1/events/{second}/thumbnail")
    expect(preview.locator("img")).to_have_js_property("naturalWidth", 320)
    expect(preview).to_contain_text("Motion at " + berlin_clock(RECORDED_AT_US + 60 * SECOND))
    second_mark.click()
    expect(clock).to_have_text(re.compile("^" + berlin_clock(RECORDED_AT_US + 55 * SECOND)[:7]))
    wait_for(lambda: unseen(client) == 0, timeout=10)
    # The track still takes taps and drags beside the marks.
    track = page.locator("[data-track]")
    track.click(position={"x": 5, "y": 10})
    expect(track).not_to_have_attribute("aria-valuenow", "0")
    assert errors == []


def test_p14_detection_editor_draws_a_zone_and_a_mask_and_saves(
    live_server: LiveServer,
    ctx: AppContext,
    make_user: Any,
    client: TestClient,
    desktop: tuple[Page, list[str]],
) -> None:
    page, errors = desktop
    alice = make_user()
    yard = add_camera(ctx, alice.id, "Yard")
    sign_in_page(page, live_server.url, alice.email)
    page.goto(f"{live_server.url}/cameras/{yard}/detection")
    expect(page.get_by_text("There is no live picture right now")).to_be_visible()
    save = page.get_by_role("button", name="Save")
    expect(save).to_be_enabled()
    canvas = page.locator("[data-canvas]")
    box = canvas.bounding_box()
    assert box is not None

    def click(x: float, y: float) -> None:
        canvas.click(position={"x": box["width"] * x, "y": box["height"] * y})

    for x, y in ((0.1, 0.1), (0.5, 0.1), (0.5, 0.5), (0.1, 0.5)):
        click(x, y)
    page.get_by_role("button", name="Undo point").click()
    click(0.1, 0.6)
    page.get_by_role("button", name="Close shape").click()
    page.get_by_label("Name of zone 1").fill("Front path")
    page.get_by_role("radio", name="Privacy mask").check()
    for x, y in ((0.7, 0.7), (0.9, 0.7), (0.9, 0.9)):
        click(x, y)
    click(0.7, 0.7)  # the first point again closes the shape
    # The keyboard draws too: a third shape, then discarded.
    canvas.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Discard shape")).to_be_enabled()
    page.get_by_role("button", name="Discard shape").click()
    page.get_by_label("Keep before").fill("8")
    # A value out of range is refused by the API and shown at its input.
    page.get_by_label("Minimum duration").fill("70000")
    save.click()
    problem = page.locator('[data-error-for="min_duration_ms"]')
    expect(problem).to_contain_text("min_duration_ms must be a whole number from 0 to 60000")
    expect(page.get_by_label("Minimum duration")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Minimum duration").fill("1200")
    save.click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    sign_in_as(client, alice)
    saved = client.get(f"/api/v1/cameras/{yard}/detection").json()
    assert [(z["id"], z["name"]) for z in saved["zones"]] == [("zone-1", "Front path")]
    zone = saved["zones"][0]["points"]
    assert len(zone) == 4
    assert zone[3] == pytest.approx([0.1, 0.6], abs=0.01)
    assert len(saved["masks"]) == 1 and len(saved["masks"][0]) == 3
    assert saved["masks"][0][1] == pytest.approx([0.9, 0.7], abs=0.01)
    assert (saved["min_duration_ms"], saved["pre_roll_s"]) == (1200, 8)
    # The browser logs the answers the page expected: no live picture, the refused save.
    assert [e for e in errors if "/snapshot]" not in e and "/detection]" not in e] == []


def test_privacy_mode_switch_on_the_camera_page(
    live_server: LiveServer,
    ctx: AppContext,
    make_user: Any,
    client: TestClient,
    desktop: tuple[Page, list[str]],
) -> None:
    page, errors = desktop
    alice = make_user()
    yard = add_camera(ctx, alice.id, "Yard")
    sign_in_page(page, live_server.url, alice.email)
    page.goto(f"{live_server.url}/cameras/{yard}")
    page.get_by_role("button", name="Switch privacy mode on").click()
    expect(page.get_by_text("Privacy mode: no live view, recording or detection")).to_be_visible()
    expect(page.locator("[data-live-player]")).to_have_count(0)
    sign_in_as(client, alice)
    assert client.get(f"/api/v1/cameras/{yard}/detection").json()["privacy_mode"] is True
    page.get_by_role("button", name="Switch privacy mode off").click()
    expect(page.locator("[data-live-player]")).to_have_count(1)
    assert client.get(f"/api/v1/cameras/{yard}/detection").json()["privacy_mode"] is False
    assert [e for e in errors if "snapshot" not in e and "live" not in e] == []


def sign_in_as(client: TestClient, user: User) -> None:
    from tests.conftest import sign_in

    sign_in(client, user.email)
