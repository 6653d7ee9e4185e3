"""Issue 14 item 3: scripted motion in the simulator, on command and on a schedule.

The streams are decoded as a motion detector would decode them (tests/camsim/streams.py's
`Watcher`): before a crossing the picture is still, from its onset it differs, and the
onset the control API reports is when the first differing frame arrived.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from hearthwatch.camsim.fleet import CameraFleet
from hearthwatch.camsim.motion import MotionSchedule, MotionScript
from hearthwatch.camsim.scene import CROSSING_SECONDS, SceneSpec, load_clip
from hearthwatch.camsim.views import ACTORS
from tests.camsim.conftest import StartFleet
from tests.camsim.streams import SeenFrame, Watcher, changed

MAIN = SceneSpec(320, 180, 25, 4, 2.0, 300)  # small, so that decoding it costs little
FPS = {"main": 25, "sub": 5}
STILL = 0.001  # at most this share of pixels changes by more than 25 levels in a still scene
MOVED = 0.002  # a crossing changes more than this (the smallest actor covers ~0.4%)


@pytest.fixture
def still_fleet(start_fleet: StartFleet) -> CameraFleet:
    """Two cameras with still scenes: nobody comes by until told to."""
    return start_fleet(
        cameras=2, control_port=0, audio=False, main_scene=MAIN, motion=MotionSchedule("none")
    )


def motion_url(fleet: CameraFleet, serial: str) -> str:
    return f"{fleet.control_url}/cameras/{serial}/motion"


def watch(fleet: CameraFleet, index: int = 0) -> dict[str, Watcher]:
    """Both streams of a camera, decoded from now on, once frames come in real time."""
    camera = fleet.cameras[index]
    watchers = {name: Watcher(camera.url(name)) for name in FPS}
    for name, watcher in watchers.items():
        watcher.steady(FPS[name])
    return watchers


def close(watchers: dict[str, Watcher]) -> None:
    for watcher in watchers.values():
        watcher.close()


def test_issue14_item3_a_command_shows_a_crossing_on_main_and_sub_from_its_onset(
    still_fleet: CameraFleet,
) -> None:
    serial = still_fleet.cameras[0].serial
    watchers = watch(still_fleet)
    try:
        time.sleep(1.0)
        reply = httpx.post(motion_url(still_fleet, serial), json={}, timeout=10)
        time.sleep(CROSSING_SECONDS + 2.0)
    finally:
        close(watchers)
    assert reply.status_code == 202, reply.text
    body = reply.json()
    assert (body["camera"], body["actor"], body["cause"]) == (serial, "person", "command")
    onsets = {name: body["streams"][name]["onset_at"] for name in FPS}
    assert body["onset_at"] == min(onsets.values())
    assert abs(onsets["main"] - onsets["sub"]) <= 1 / FPS["sub"] + 0.05  # one sub frame apart
    assert 0 <= body["onset_at"] - body["requested_at"] < 0.3
    for name, watcher in watchers.items():
        shows_crossing_from(watcher.frames, onsets[name], FPS[name])


def shows_crossing_from(frames: list[SeenFrame], onset: float, fps: int) -> None:
    """Still for the second before `onset`, moving from the frame sent at `onset` on."""
    before = [f for f in frames if f.arrived < onset]
    after = [f for f in frames if f.arrived >= onset]
    reference = before[-1].luma
    assert max(changed(f.luma, reference) for f in before[-fps:]) < STILL
    first = next(f for f in after if changed(f.luma, reference) > MOVED)
    # The first frame that differs arrives within two frame intervals of the reported onset
    # (it is sent at the onset, and FFmpeg hands a frame over when the next one comes in),
    # give or take a busy host's scheduling.
    assert first.arrived - onset < 2 / fps + 0.15
    during = [f for f in after if first.arrived <= f.arrived < onset + CROSSING_SECONDS - 0.5]
    assert min(changed(f.luma, reference) for f in during) > MOVED
    after_end = [f for f in after if f.arrived > onset + CROSSING_SECONDS + 0.5]
    assert after_end and max(changed(f.luma, reference) for f in after_end) < STILL


def test_issue14_item3_the_crossing_is_listed_with_each_streams_onset_and_end(
    still_fleet: CameraFleet,
) -> None:
    serial = still_fleet.cameras[1].serial
    watchers = watch(still_fleet, 1)
    try:
        started = httpx.post(motion_url(still_fleet, serial), json={"actor": "car"}, timeout=10)
        time.sleep(CROSSING_SECONDS + 1.0)
    finally:
        close(watchers)
    assert started.status_code == 202 and started.json()["actor"] == "car"
    listed = httpx.get(motion_url(still_fleet, serial)).json()
    assert (listed["schedule"], listed["actor"]) == ("none", "person")
    (crossing,) = listed["crossings"]
    assert crossing["crossing"] == started.json()["crossing"]
    for name in FPS:
        mark = crossing["streams"][name]
        assert mark["onset_at"] == started.json()["streams"][name]["onset_at"]
        assert abs(mark["end_at"] - mark["onset_at"] - CROSSING_SECONDS) < 0.5
    assert crossing["end_at"] == max(m["end_at"] for m in crossing["streams"].values())


def test_issue14_item3_a_still_scene_stays_still(still_fleet: CameraFleet) -> None:
    """Twelve seconds, three loops of the quiet scene and their keyframes: nothing moves."""
    watchers = watch(still_fleet)
    try:
        time.sleep(12.0)
    finally:
        close(watchers)
    for name, watcher in watchers.items():
        frames = watcher.frames[-12 * FPS[name] :]
        reference = frames[0].luma
        assert max(changed(f.luma, reference) for f in frames) < STILL, name
    assert (
        httpx.get(motion_url(still_fleet, still_fleet.cameras[0].serial)).json()["crossings"] == []
    )


def test_issue14_item3_cameras_are_commanded_independently(still_fleet: CameraFleet) -> None:
    first, second = (c.serial for c in still_fleet.cameras)
    busy = httpx.post(motion_url(still_fleet, first), timeout=10)  # an empty body
    assert busy.status_code == 202 and busy.json()["actor"] == "person"
    again = httpx.post(motion_url(still_fleet, first), json={}, timeout=10)
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "camsim.motion_busy"
    assert 0 < error["details"]["retry_after_s"] <= CROSSING_SECONDS + 1
    other = httpx.post(motion_url(still_fleet, second), json={"actor": "dog"}, timeout=10)
    assert other.status_code == 202 and other.json()["actor"] == "dog"
    listed = {s: httpx.get(motion_url(still_fleet, s)).json()["crossings"] for s in (first, second)}
    assert [c["actor"] for c in listed[first]] == ["person"]
    assert [c["actor"] for c in listed[second]] == ["dog"]


def test_issue14_item3_nobody_watching_the_command_answers_at_once_without_an_onset(
    start_fleet: StartFleet,
) -> None:
    fleet = start_fleet(control_port=0, audio=False, main_scene=MAIN)  # the looping scene
    began = time.monotonic()
    reply = httpx.post(motion_url(fleet, fleet.cameras[0].serial), json={"actor": "cyclist"})
    assert reply.status_code == 202
    assert time.monotonic() - began < 2.5  # no stream to wait for (it may encode the clip)
    assert (reply.json()["onset_at"], reply.json()["streams"]) == (None, {})


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"actor": "unicorn"}, "one of"),
        ({"actor": 3}, "one of"),
        ({"actor": ["car"]}, "one of"),
        ({"who": "car"}, "takes no"),
        ({"actor": "car", "seconds": 3}, "takes no"),
        (["car"], "JSON object"),
        ("car", "JSON object"),
    ],
)
def test_issue14_item3_bad_motion_bodies_get_a_stable_error(
    still_fleet: CameraFleet, body: Any, reason: str
) -> None:
    reply = httpx.post(motion_url(still_fleet, still_fleet.cameras[0].serial), json=body)
    assert reply.status_code == 422
    assert reply.json()["error"]["code"] == "camsim.motion_invalid"
    assert reason in reply.json()["error"]["message"]


@pytest.mark.parametrize(
    ("method", "serial", "content", "status", "code"),
    [
        ("POST", "HWCNOSUCHCAM1", b"{}", 404, "camsim.camera_not_found"),
        ("GET", "HWCNOSUCHCAM1", b"", 404, "camsim.camera_not_found"),
        ("PUT", None, b"{}", 405, "request.method_not_allowed"),
        ("POST", None, b"{not json", 400, "request.malformed"),
    ],
)
def test_issue14_item3_unknown_cameras_methods_and_unreadable_bodies(
    still_fleet: CameraFleet,
    method: str,
    serial: str | None,
    content: bytes,
    status: int,
    code: str,
) -> None:
    url = motion_url(still_fleet, serial or still_fleet.cameras[0].serial)
    reply = httpx.request(method, url, content=content)
    assert reply.status_code == status
    assert reply.json()["error"]["code"] == code


def test_issue14_item3_scheduled_crossings_take_turns(start_fleet: StartFleet) -> None:
    """`every:10` with two cameras: the first crosses 5 s after the start, the second 10 s."""
    fleet = start_fleet(cameras=2, control_port=0, audio=False, main_scene=MAIN,
                        motion=MotionSchedule.parse("every:10"))  # fmt: skip
    started = time.time()
    watchers = [Watcher(camera.sub_url) for camera in fleet.cameras]
    try:
        time.sleep(11.5)
    finally:
        for watcher in watchers:
            watcher.close()
    onsets = []
    for camera in fleet.cameras:
        listed = httpx.get(motion_url(fleet, camera.serial)).json()
        assert listed["schedule"] == "every:10"
        (crossing,) = listed["crossings"]
        assert crossing["cause"] == "schedule"
        onsets.append(crossing["onset_at"] - started)
    assert 4.9 < onsets[0] < 6.0 and 4.5 < onsets[1] - onsets[0] < 5.5, onsets


def test_issue14_item3_the_schedule_repeats_and_each_stream_joins_in_time() -> None:
    script = MotionScript("car", MotionSchedule("every", 10.0))
    zero = time.monotonic() - 0.001  # the script's own clock starts a moment after
    script.begin(5.0)
    assert script.due("sub", zero + 4.9) is None
    first = script.due("sub", zero + 5.1)
    assert first is not None and (first.actor, first.cause) == ("car", "schedule")
    script.mark_onset(first, "sub")
    assert script.due("sub", zero + 5.2) is None  # this stream shows it already
    assert script.due("main", zero + 5.2) is first  # the other one joins
    assert script.due("main", zero + 7.0) is None  # too late to join: left out
    second = script.due("sub", zero + 15.05)
    assert second is not None and second is not first
    # Periods when no stream asked are skipped: the latest one due is shown.
    latest = script.due("sub", zero + 35.5)
    assert latest is not None and latest.starts - second.starts == pytest.approx(20.0)
    assert [c["cause"] for c in script.recent()] == ["schedule"] * 3


def test_issue14_item3_a_scheduled_crossing_is_left_out_while_a_command_plays() -> None:
    script = MotionScript("person", MotionSchedule("every", 10.0))
    script.begin(0.2)
    commanded = script.request("dog")
    assert script.due("sub", time.monotonic() + 0.3) is commanded
    assert [(c["actor"], c["cause"]) for c in script.recent()] == [("dog", "command")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("loop", MotionSchedule("loop")),
        ("none", MotionSchedule("none")),
        ("every:75", MotionSchedule("every", 75.0)),
        ("every:12.5", MotionSchedule("every", 12.5)),
    ],
)
def test_issue14_item3_schedules_parse(text: str, expected: MotionSchedule) -> None:
    assert MotionSchedule.parse(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize("text", ["", "sometimes", "every", "every:", "every:5", "every:nan",
                                  "every:1e9", "every:ten", "none:3"])  # fmt: skip
def test_issue14_item3_bad_schedules_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="motion schedule"):
        MotionSchedule.parse(text)


@pytest.mark.parametrize("actor", sorted(ACTORS))
def test_issue14_item3_crossings_splice_cleanly_into_the_quiet_scene(actor: str) -> None:
    """Each crossing opens with a keyframe and the quiet scene's own parameter sets, lasts
    whole GOPs, and shows its actor from the first frame."""
    spec = SceneSpec(160, 90, 5, 4, 2.0, 150, view="driveway")
    quiet, crossing = load_clip(spec.quiet()), load_clip(spec.crossing(actor))
    assert (crossing.sps, crossing.pps) == (quiet.sps, quiet.pps)
    assert crossing.frames[0].keyframe and quiet.frames[0].keyframe
    assert len(crossing.frames) == CROSSING_SECONDS * spec.fps
    assert sum(f.keyframe for f in crossing.frames) == CROSSING_SECONDS / spec.gop_seconds
    assert crossing.spec.in_motion(0.0) and not quiet.spec.motion
