"""The streams real clients read: PyAV (TCP and UDP), ffprobe and GStreamer."""

from __future__ import annotations

import itertools
import json
import subprocess
import threading

import pytest

from hearthwatch.camsim.fleet import CameraFleet, CameraInfo, FleetConfig
from tests.camsim.conftest import require_binary
from tests.camsim.streams import CLOCK_RATE, Capture, capture


def test_default_streams_are_720p25_2mbit_with_2s_gop_and_a_sub_stream() -> None:
    main, sub = FleetConfig().main_spec(), FleetConfig().sub_spec()
    assert (main.width, main.height, main.fps, main.bitrate_kbps) == (1280, 720, 25, 2000)
    assert main.gop_seconds == sub.gop_seconds == 2.0
    assert (sub.width, sub.height, sub.fps) == (320, 180, 5)
    assert sub.bitrate_kbps <= 300
    assert FleetConfig(resolution="1080p").main_spec().width == 1920


def assert_keyframes_every_2s(result: Capture) -> None:
    keys = result.keyframe_pts
    assert len(keys) >= 2, keys
    assert {b - a for a, b in itertools.pairwise(keys)} == {2 * CLOCK_RATE}


def assert_paced_in_real_time(result: Capture) -> None:
    # The demuxer hands over what it buffered while probing in a burst: skip that part.
    paced = [p for p in result.packets if p.arrived - result.packets[0].arrived > 1.0]
    wall = paced[-1].arrived - paced[0].arrived
    media = (paced[-1].pts - paced[0].pts) / CLOCK_RATE
    assert abs(wall - media) < 0.2


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_pyav_reads_main_stream_720p_25fps_2mbit_in_real_time(
    camera: CameraInfo, transport: str
) -> None:
    result = capture(camera.main_url, transport=transport, seconds=4.2)
    assert (result.width, result.height) == (1280, 720)
    assert set(result.pts_steps) == {CLOCK_RATE // 25}
    assert_keyframes_every_2s(result)
    assert 1700 <= result.kbps() <= 2300
    assert_paced_in_real_time(result)


def test_pyav_reads_sub_stream_320x180_5fps(camera: CameraInfo) -> None:
    result = capture(camera.sub_url, seconds=1.2)
    assert (result.width, result.height) == (320, 180)
    assert set(result.pts_steps) == {CLOCK_RATE // 5}
    assert result.kbps() < 400


def test_ffprobe_reads_the_stream_cleanly(camera: CameraInfo) -> None:
    ffprobe = require_binary("ffprobe")
    command = [ffprobe, "-v", "error", "-rtsp_transport", "tcp", "-show_streams", "-of", "json"]
    done = subprocess.run(
        [*command, camera.main_url], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    stream = json.loads(done.stdout)["streams"][0]
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", 1280, 720)


@pytest.mark.parametrize("protocol", ["tcp", "udp"])
def test_gstreamer_plays_the_stream(camera: CameraInfo, protocol: str) -> None:
    gst = require_binary("gst-launch-1.0")
    pipeline = (
        f"rtspsrc location={camera.main_url} protocols={protocol} ! rtph264depay ! h264parse "
        "! avdec_h264 ! fakesink num-buffers=50"
    )
    for _ in range(2):
        done = subprocess.run(
            [gst, "-q", *pipeline.split()], capture_output=True, text=True, timeout=30, check=False
        )
        # rtspsrc over UDP on a loaded machine sometimes fails its first send to the server's
        # RTCP port ("Could not write to resource"); a real player just tries again.
        if done.returncode == 0 or "Could not write to resource" not in done.stdout + done.stderr:
            break
    assert done.returncode == 0, done.stdout + done.stderr


def test_one_broadcaster_serves_many_clients(shared_fleet: CameraFleet) -> None:
    url, viewers = shared_fleet.cameras[1].main_url, 10
    counts: list[int] = []
    together = threading.Barrier(
        viewers, action=lambda: counts.append(shared_fleet.session_count())
    )
    results: list[Capture] = []

    def watch() -> None:
        def first_packet(elapsed: float) -> None:
            if elapsed == 0:
                together.wait(timeout=20)

        results.append(capture(url, seconds=1.5, during=first_packet))

    threads = [threading.Thread(target=watch) for _ in range(viewers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert counts and counts[0] >= viewers
    assert len(results) == viewers
    assert all(set(r.pts_steps) == {CLOCK_RATE // 25} for r in results)
