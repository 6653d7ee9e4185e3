"""Issue 12 item 16 (P13): every instant the timeline shows as recorded gives a snapshot,
and a clip says what it really holds when that differs from the range asked for."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import av
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hearthwatch.context import AppContext
from hearthwatch.media.models import Segment
from tests.media.conftest import Cameras, wait_for
from tests.media.test_recording import CAMERAS, last_hour, media_token, segment_count


def timeline(client: TestClient, camera_id: str, token: str) -> dict[str, Any]:
    response = client.get(
        f"{CAMERAS}/{camera_id}/recordings", params={**last_hour(), "token": token}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def snapshot(client: TestClient, camera_id: str, token: str, at: datetime) -> Any:
    return client.get(
        f"{CAMERAS}/{camera_id}/snapshot", params={"token": token, "at": at.isoformat()}
    )


def as_browser_sends(moment: datetime) -> datetime:
    """JavaScript dates hold milliseconds: what Date.parse(...).toISOString() gives back."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def test_p13_issue12_item16_snapshot_at_the_very_start_of_a_recording(
    client: TestClient, bound: dict[str, Any], ctx: AppContext
) -> None:
    wait_for(lambda: segment_count(ctx, bound["id"]) >= 2)
    token = media_token(client, bound["id"])
    span = timeline(client, bound["id"], token)["spans"][0]
    start = datetime.fromisoformat(span["start"])
    for at in (start, as_browser_sends(start), start - timedelta(microseconds=1)):
        shot = snapshot(client, bound["id"], token, at)
        assert shot.status_code == 200, (at, shot.text)
        assert shot.content[:2] == b"\xff\xd8"
        shown = datetime.fromisoformat(shot.headers["hearthwatch-frame-time"])
        assert abs(shown - start) < timedelta(milliseconds=50), (shown, start)


def test_p13_issue12_item16_every_recorded_instant_of_a_span_has_a_picture(
    client: TestClient, bound: dict[str, Any], ctx: AppContext
) -> None:
    wait_for(lambda: segment_count(ctx, bound["id"]) >= 4)
    # A short stall of the recorder: the third segment starts a second late. The timeline
    # joins it to the span (gaps up to 1.5 s are not shown), so the snapshot must answer.
    with ctx.db.session() as db:
        third = db.scalars(
            select(Segment).where(Segment.camera_id == bound["id"]).order_by(Segment.start_us)
        ).all()[2]
        db.execute(
            update(Segment)
            .where(Segment.id == third.id)
            .values(start_us=third.start_us + 1_000_000)
        )
        db.commit()
        stall_at = third.start_us + 500_000
    token = media_token(client, bound["id"])
    shown = timeline(client, bound["id"], token)
    span = shown["spans"][0]
    start, end = datetime.fromisoformat(span["start"]), datetime.fromisoformat(span["end"])
    assert start < datetime.fromtimestamp(stall_at / 1e6, UTC) < end  # shown as recorded
    moments = [datetime.fromtimestamp(stall_at / 1e6, UTC), end - timedelta(milliseconds=1)]
    step = start
    while step < end:
        moments.append(as_browser_sends(step))
        step += timedelta(milliseconds=700)
    refused = [m for m in moments if snapshot(client, bound["id"], token, m).status_code != 200]
    assert refused == []


@pytest.mark.parametrize(
    ("at", "status", "code"),
    [
        ("2001-01-01T00:00:00+00:00", 404, "recording.not_found"),
        ("2030-01-01T00:00:00", 422, "request.invalid"),
        ("yesterday", 422, "request.invalid"),
    ],
)
def test_issue12_item16_snapshot_refusals_have_stable_codes(
    client: TestClient, bound: dict[str, Any], at: str, status: int, code: str
) -> None:
    token = media_token(client, bound["id"])
    shot = client.get(f"{CAMERAS}/{bound['id']}/snapshot", params={"token": token, "at": at})
    assert shot.status_code == status, shot.text
    assert shot.json()["error"]["code"] == code


def clip_params(token: str, start: datetime, end: datetime) -> dict[str, str]:
    return {"token": token, "start": start.isoformat(), "end": end.isoformat()}


def test_p13_issue12_item16_a_shorter_clip_says_what_it_holds(
    client: TestClient, bound: dict[str, Any], ctx: AppContext, cameras: Cameras
) -> None:
    wait_for(lambda: segment_count(ctx, bound["id"]) >= 3)
    cameras.call(lambda: cameras.cameras[0].reboot(3.0))
    token = media_token(client, bound["id"])
    wait_for(lambda: len(timeline(client, bound["id"], token)["spans"]) >= 2, timeout=30)
    wait_for(lambda: len(timeline(client, bound["id"], token)["segments"]) >= 5, timeout=30)
    spans = timeline(client, bound["id"], token)["spans"]
    first_start = datetime.fromisoformat(spans[0]["start"])
    asked_start = first_start + timedelta(milliseconds=1500)
    asked_end = datetime.now(UTC) + timedelta(seconds=30)  # later than anything recorded
    url = f"{CAMERAS}/{bound['id']}/clip"

    plan = client.get(f"{url}/range", params=clip_params(token, asked_start, asked_end))
    assert plan.status_code == 200, plan.text
    said = plan.json()
    assert said["shorter"] is True
    assert {"ends_early", "has_gaps"} <= set(said["notes"]), said
    assert datetime.fromisoformat(said["start"]) <= asked_start
    assert datetime.fromisoformat(said["end"]) < asked_end
    gap = said["gaps"][0]
    assert datetime.fromisoformat(gap["end"]) - datetime.fromisoformat(gap["start"]) > timedelta(
        seconds=1.5
    )

    clip = client.get(url, params=clip_params(token, asked_start, asked_end))
    assert clip.status_code == 200, clip.text
    start = datetime.fromisoformat(clip.headers["hearthwatch-clip-start"])
    end = datetime.fromisoformat(clip.headers["hearthwatch-clip-end"])
    assert start == datetime.fromisoformat(said["start"])
    assert set(clip.headers["hearthwatch-clip-notes"].split(",")) >= {"ends_early", "has_gaps"}
    recorded = float(clip.headers["hearthwatch-clip-recorded-seconds"])
    assert recorded < (end - start).total_seconds() - 1.5  # the gap is not counted
    # The headers tell the truth about the file: its first frame and its length.
    with av.open(io.BytesIO(clip.content)) as container:
        stream = container.streams.video[0]
        times = [f.time for f in container.decode(stream) if f.time is not None]
    assert (end - start).total_seconds() == pytest.approx(max(times) - min(times), abs=0.25)


def test_issue12_item16_a_clip_of_exactly_what_was_recorded_has_no_notes(
    client: TestClient, bound: dict[str, Any], ctx: AppContext
) -> None:
    wait_for(lambda: segment_count(ctx, bound["id"]) >= 3)
    token = media_token(client, bound["id"])
    segments = timeline(client, bound["id"], token)["segments"]
    start = datetime.fromisoformat(segments[0]["start"])
    end = datetime.fromisoformat(segments[1]["end"])
    said = client.get(
        f"{CAMERAS}/{bound['id']}/clip/range", params=clip_params(token, start, end)
    ).json()
    assert said["notes"] == [] and said["shorter"] is False, said
    assert said["recorded_seconds"] == pytest.approx((end - start).total_seconds(), abs=0.01)


@pytest.mark.parametrize(
    ("start", "end", "status", "code"),
    [
        ("2030-01-01T00:00:00+00:00", "2030-01-01T02:00:00+00:00", 422, "recording.range_invalid"),
        ("2030-01-01T00:00:00+00:00", "2029-01-01T00:00:00+00:00", 422, "recording.range_invalid"),
        ("2030-01-01T00:00:00", "2030-01-01T00:01:00", 422, "request.invalid"),
        ("2030-01-01T00:00:00+00:00", "2030-01-01T00:01:00", 422, "request.invalid"),
        ("2001-01-01T00:00:00+00:00", "2001-01-01T00:01:00+00:00", 404, "recording.not_found"),
    ],
)
@pytest.mark.parametrize("path", ["clip", "clip/range"])
def test_issue12_item16_clip_refusals_have_stable_codes(
    client: TestClient, bound: dict[str, Any], path: str, start: str, end: str, status: int,
    code: str,
) -> None:  # fmt: skip
    token = media_token(client, bound["id"])
    response = client.get(
        f"{CAMERAS}/{bound['id']}/{path}", params={"token": token, "start": start, "end": end}
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
