"""Faults as a client sees them: reboots, drops, stalls, drifting and jumping clocks."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import av
import pytest

from hearthwatch.camsim.camera import CameraClock
from hearthwatch.camsim.fleet import CameraFleet
from tests.camsim.conftest import StartFleet
from tests.camsim.rtsp_client import RawRtspClient
from tests.camsim.streams import CLOCK_RATE, capture, open_rtsp

FRAME = CLOCK_RATE // 25


def seconds_until_stream_ends(packets: Iterator[av.Packet]) -> float:
    """Read until the demuxer stops (end of stream or an error); how long that took."""
    start = time.monotonic()
    try:
        for _ in packets:
            pass
    except av.FFmpegError:
        pass
    return time.monotonic() - start


def can_open(url: str) -> bool:
    try:
        with av.open(url, options={"rtsp_transport": "tcp"}, timeout=3):
            return True
    except (av.FFmpegError, OSError):
        return False


def wait_online(fleet: CameraFleet, serial: str, within: float) -> None:
    deadline = time.monotonic() + within
    while not fleet.camera(serial).online:
        assert time.monotonic() < deadline, "the camera did not come back"
        time.sleep(0.05)


@pytest.fixture
def fleet(start_fleet: StartFleet) -> CameraFleet:
    return start_fleet()


def test_reboot_drops_viewers_refuses_new_ones_then_serves_again(fleet: CameraFleet) -> None:
    camera = fleet.cameras[0]
    with open_rtsp(camera.main_url) as container:
        packets = container.demux(container.streams.video[0])
        next(packets)
        fleet.reboot(camera.serial, seconds=2.0)
        assert seconds_until_stream_ends(packets) < 1.5
    assert not fleet.camera(camera.serial).online
    assert not can_open(camera.main_url)
    wait_online(fleet, camera.serial, within=2.5)
    result = capture(camera.main_url, seconds=0.5)
    assert len(result.packets) >= 10


def test_reboot_resets_even_an_idle_control_connection(fleet: CameraFleet) -> None:
    camera = fleet.cameras[0]
    with RawRtspClient(fleet.rtsp_port) as client:
        assert client.request("DESCRIBE", camera.main_url).status == 200
        fleet.reboot(camera.serial, seconds=1.0)
        assert client.closed_by_server(within=1.0)
    with RawRtspClient(fleet.rtsp_port) as client, pytest.raises(ConnectionError):
        client.request("OPTIONS", camera.main_url)


def test_drop_closes_connections_and_reconnecting_works_at_once(fleet: CameraFleet) -> None:
    camera = fleet.cameras[0]
    with open_rtsp(camera.main_url) as container:
        packets = container.demux(container.streams.video[0])
        next(packets)
        fleet.drop_connections(camera.serial)
        assert seconds_until_stream_ends(packets) < 1.5
    assert fleet.camera(camera.serial).online
    assert capture(camera.main_url, seconds=0.3).packets


def test_stall_stops_frames_for_its_time_then_resumes(fleet: CameraFleet) -> None:
    camera = fleet.cameras[0]
    stalled: list[float] = []

    def stall_once(elapsed: float) -> None:
        if elapsed > 1.5 and not stalled:
            stalled.append(elapsed)
            fleet.stall(camera.serial, 2.0)

    result = capture(camera.main_url, seconds=4.5, during=stall_once)
    packets = result.packets
    gaps = [b.arrived - a.arrived for a, b in itertools.pairwise(packets)]
    assert 1.8 < max(gaps) < 2.4
    assert gaps.index(max(gaps)) < len(gaps) - 10  # and frames flowed again afterwards
    assert 1.8 * CLOCK_RATE < max(result.pts_steps) < 2.4 * CLOCK_RATE  # the gap shows in time


def test_jump_timestamps_shows_in_the_clients_pts(fleet: CameraFleet) -> None:
    camera = fleet.cameras[0]
    jumped: list[float] = []

    def jump_once(elapsed: float) -> None:
        if elapsed > 1.2 and not jumped:
            jumped.append(elapsed)
            fleet.jump_timestamps(camera.serial, 10.0)

    steps = capture(camera.main_url, seconds=2.0, during=jump_once).pts_steps
    jumps = [s for s in steps if s != FRAME]
    assert len(jumps) == 1
    assert abs(jumps[0] - (10 * CLOCK_RATE + FRAME)) <= 2


def test_drift_changes_the_timestamp_rate_without_a_jump(fleet: CameraFleet) -> None:
    camera = fleet.cameras[0]
    drifted: list[float] = []

    def drift_once(elapsed: float) -> None:
        if elapsed > 1.2 and not drifted:
            drifted.append(elapsed)
            fleet.drift(camera.serial, 100_000)  # 10% fast: plain to see in a second

    steps = capture(camera.main_url, seconds=2.5, during=drift_once).pts_steps
    fast = FRAME * 1.1
    assert steps[0] == FRAME
    assert abs(steps[-1] - fast) <= 1
    assert all(FRAME - 1 <= step <= fast + 1 for step in steps)


@pytest.mark.parametrize("ppm", [-200_000, -50, 50, 250_000])
def test_camera_clocks_stay_continuous_when_the_drift_changes(ppm: float) -> None:
    clock = CameraClock()
    now = time.monotonic()
    before = clock.media_time(now), clock.wall_time(now)
    clock.set_drift(ppm)
    after = clock.media_time(now), clock.wall_time(now)
    assert after == pytest.approx(before, abs=1e-3)
    # From a moment after the change: a moment before it keeps the old rate (see below),
    # and `now` can be a few microseconds before the change on a loaded machine.
    later = time.monotonic()
    rate = (clock.media_time(later + 10) - clock.media_time(later)) / 10
    assert rate == pytest.approx(1 + ppm / 1e6)


def test_a_late_frame_due_before_a_drift_change_keeps_the_old_rate() -> None:
    clock = CameraClock(anchor_mono=time.monotonic() - 10, drift_ppm=50)
    late_frame = time.monotonic() - 0.02  # due before the change, stamped after it
    stamped_before = clock.media_time(late_frame)
    clock.set_drift(200_000)
    assert clock.media_time(late_frame) == pytest.approx(stamped_before, abs=1e-9)


def test_jump_clock_shows_in_rtcp_sender_reports(fleet: CameraFleet) -> None:
    camera = fleet.cameras[0]
    fleet.jump_clock(camera.serial, 3600.0)
    with RawRtspClient(fleet.rtsp_port) as client:
        client.play_tcp(camera.main_url)
        report = client.next_sender_report()
    assert abs(report.wall_time - (time.time() + 3600)) < 1.0
