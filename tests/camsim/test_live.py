"""Live mode: camera 1 encodes as it goes, with the wall-clock time in every picture."""

from __future__ import annotations

import time

import numpy as np

from hearthwatch.camsim.scene import SceneSpec
from hearthwatch.camsim.sources import paint_timecode, read_timecode
from tests.camsim.conftest import StartFleet
from tests.camsim.streams import open_rtsp


def test_timecode_round_trips_on_a_raw_picture() -> None:
    picture = np.zeros((360, 640, 3), np.uint8)
    millis = int(time.time() * 1000)
    paint_timecode(picture, millis)
    assert read_timecode(picture) == millis


def test_live_stream_carries_the_time_within_a_second(start_fleet: StartFleet) -> None:
    fleet = start_fleet(cameras=2, live=True, main_scene=SceneSpec(640, 360, seconds=4))
    stamps: list[tuple[float, float]] = []
    with open_rtsp(fleet.cameras[0].main_url) as container:
        opened = time.monotonic()
        for frame in container.decode(video=0):
            shown = read_timecode(frame.to_ndarray(format="rgb24")) / 1000
            stamps.append((time.time(), shown))
            # What the demuxer buffered while probing comes first; judge frames after it.
            if time.monotonic() - opened > 1.5:
                break
    seen_at, shown = stamps[-1]
    assert abs(seen_at - shown) < 1.0
    assert [s for _, s in stamps] == sorted(s for _, s in stamps)
    assert fleet.cameras[1].main_url != fleet.cameras[0].main_url
