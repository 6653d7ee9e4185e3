"""While nobody watches, the ingest holds the frames after each keyframe and cuts them into
samples in one run when the next keyframe comes. Holding must lose and delay nothing that
matters: a camera that drops mid-GOP is recorded up to its last frame, and a viewer who
joins gets the held frames at once."""

from __future__ import annotations

import asyncio
import itertools

from hearthwatch.camsim import CameraFleet, FleetConfig
from hearthwatch.media.ingest import CameraIngest
from hearthwatch.media.live import LiveFrame
from hearthwatch.media.segmenter import FinishedSegment
from tests.media.conftest import SMALL_SCENE, simulator_policy, wait_for

FPS = SMALL_SCENE.fps
GOP_FRAMES = int(SMALL_SCENE.gop_seconds * FPS)
HELD = GOP_FRAMES // 2  # frames after a keyframe when the test acts: mid-GOP


def start_recording(url: str, segments: list[FinishedSegment]) -> CameraIngest:
    ingest = CameraIngest(
        "camera", url, record=True, on_segment=segments.append, policy=simulator_policy
    )
    ingest.segment_seconds = 600.0  # only the end of a session cuts a segment here
    ingest.start()
    return ingest


def frames_since_a_keyframe(ingest: CameraIngest) -> int:
    """Wait for a fresh keyframe, then for HELD more frames; the count at that keyframe."""
    wait_for(lambda: ingest.hub.gop, every=0.005)
    first = ingest.hub.gop[0].decode_time
    wait_for(lambda: ingest.hub.gop and ingest.hub.gop[0].decode_time != first, every=0.005)
    at_keyframe = ingest.status.frames
    wait_for(lambda: ingest.status.frames >= at_keyframe + HELD, every=0.005)
    return at_keyframe


def test_frames_held_when_the_camera_drops_mid_gop_are_recorded() -> None:
    segments: list[FinishedSegment] = []
    with CameraFleet(FleetConfig(cameras=1, port=0, main_scene=SMALL_SCENE)) as fleet:
        ingest = start_recording(fleet.cameras[0].main_url, segments)
        try:
            at_keyframe = frames_since_a_keyframe(ingest)
            assert len(ingest.hub.gop) == 1  # nobody watches: the frames since wait
            at_drop = ingest.status.frames
            fleet.drop_connections(fleet.cameras[0].serial)
            wait_for(lambda: segments)
        finally:
            ingest.stop()
    # The segment runs from the session's first keyframe to the drop; of it, the last GOP
    # (the keyframe at `at_keyframe` and every frame held after it) must all be there.
    recorded_gop = segments[0].frames % GOP_FRAMES or GOP_FRAMES
    assert abs(recorded_gop - (at_drop - at_keyframe + 1)) <= 3


def test_a_viewer_who_joins_gets_the_held_frames_at_once() -> None:
    segments: list[FinishedSegment] = []

    async def join_and_collect(ingest: CameraIngest, seconds: float) -> list[LiveFrame]:
        # A short queue, as a WebRTC peer has: the held frames are the GOP it joins in, not
        # a backlog of a viewer falling behind, and must all get in.
        viewer, _init, frames = ingest.hub.join_frames(asyncio.get_running_loop(), limit=5)
        try:
            deadline = asyncio.get_running_loop().time() + seconds
            while (left := deadline - asyncio.get_running_loop().time()) > 0:
                try:
                    frame = await asyncio.wait_for(viewer.queue.get(), left)
                except TimeoutError:
                    break
                assert frame is not None
                frames.append(frame)
        finally:
            ingest.hub.leave(viewer)
        return frames

    with CameraFleet(FleetConfig(cameras=1, port=0, main_scene=SMALL_SCENE)) as fleet:
        ingest = start_recording(fleet.cameras[0].main_url, segments)
        try:
            at_keyframe = frames_since_a_keyframe(ingest)
            at_join = ingest.status.frames
            frames = asyncio.run(join_and_collect(ingest, seconds=0.2))
        finally:
            ingest.stop()
    # Within 0.2 s (five frame intervals) the viewer holds the whole GOP so far, from its
    # keyframe, in order and without a gap or a repeat.
    assert frames[0].sample.keyframe
    assert len(frames) >= at_join - at_keyframe + 1
    steps = {b.decode_time - a.decode_time for a, b in itertools.pairwise(frames)}
    assert len(steps) == 1 and steps.pop() > 0
