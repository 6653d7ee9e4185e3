"""Issue 12 item 7: a WebRTC peer that falls behind catches up without waiting for the next
keyframe (which a camera may send only every ten seconds).

The track is driven through its public seam (`recv`, `picture_lost`) from a real `LiveHub`
fed as the ingest feeds it; the browser side is in test_webrtc_foreign.py.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import av

from hearthwatch.media.fmp4 import TIMESCALE, Sample, init_segment
from hearthwatch.media.live import LiveFrame, LiveHub
from hearthwatch.media.webrtc_video import QUEUE_FRAMES, LiveVideoTrack

SPS, PPS = b"\x67\x64\x00\x1f\xac", b"\x68\xee\x3c\x80"
STEP = TIMESCALE // 25
GOP = 500  # twenty seconds at 25 fps, as some cameras' "smart" codecs send


def frame(index: int) -> LiveFrame:
    """Frame `index` of a camera with a keyframe every GOP frames; its data names it."""
    keyframe = index % GOP == 0
    nal = (b"\x65" if keyframe else b"\x41") + index.to_bytes(4, "big")
    return LiveFrame(Sample(len(nal).to_bytes(4, "big") + nal, STEP, keyframe), index * STEP)


def index_of(packet: av.Packet[Any]) -> int:
    return int.from_bytes(bytes(packet)[-4:], "big")


async def publish(hub: LiveHub, indexes: range) -> None:
    for index in indexes:
        hub.publish(frame(index))
    await asyncio.sleep(0)  # the hub hands frames over through the loop's callbacks


async def receive(track: LiveVideoTrack, count: int) -> list[av.Packet[Any]]:
    return [await asyncio.wait_for(track.recv(), 2) for _ in range(count)]


def hub_with_gop(frames: int) -> LiveHub:
    hub = LiveHub()
    hub.set_init(init_segment(SPS, PPS, 640, 360))
    for index in range(frames):
        hub.publish(frame(index))
    return hub


def test_issue12_item7_a_peer_four_seconds_behind_gets_every_frame_at_once() -> None:
    async def run() -> list[av.Packet[Any]]:
        hub = hub_with_gop(10)
        track = LiveVideoTrack(hub, asyncio.get_running_loop())
        first = await receive(track, 10)  # the cached GOP
        await publish(hub, range(10, 110))  # four seconds while the peer could not send
        later = await receive(track, 100)
        await publish(hub, range(110, 111))
        last = await receive(track, 1)
        track.stop()
        return first + later + last

    packets = asyncio.run(run())
    assert [index_of(p) for p in packets] == list(range(111))  # nothing skipped
    assert bytes(packets[0]).startswith(b"\x00\x00\x00\x01" + SPS + b"\x00\x00\x00\x01" + PPS)
    steps = [b.pts - a.pts for a, b in itertools.pairwise(packets)]  # type: ignore[operator]
    # The backlog goes out squeezed (at the pace it leaves, not the camera's), the frame
    # after it at the camera's pace again.
    assert sum(steps[:109]) < 20 * STEP, steps
    assert steps[-1] == STEP


def test_issue12_item7_a_peer_whose_queue_overflowed_starts_again_at_the_cached_keyframe() -> None:
    """Past QUEUE_FRAMES the hub drops a peer's frames until the next keyframe, up to ten
    seconds away: the track starts again from the cached keyframe and the frames since."""

    async def run() -> tuple[list[int], int]:
        hub = hub_with_gop(1)
        track = LiveVideoTrack(hub, asyncio.get_running_loop())
        await publish(hub, range(1, QUEUE_FRAMES + 50))  # the peer sent nothing meanwhile
        got = [index_of(p) for p in await receive(track, QUEUE_FRAMES + 49)]
        track.stop()
        return got, track.restarts

    got, restarts = asyncio.run(run())
    assert restarts == 1
    # The cached keyframe and every frame since, up to the newest, with no wait for the
    # next keyframe (the hub dropped the frames after the overflow from the peer's queue).
    assert got == list(range(QUEUE_FRAMES + 49))


def test_issue12_item7_a_lost_picture_restarts_from_the_cached_keyframe() -> None:
    async def run() -> list[int]:
        hub = hub_with_gop(5)
        track = LiveVideoTrack(hub, asyncio.get_running_loop())
        await receive(track, 5)
        track.picture_lost()  # RTCP PLI; more than a second after the start, not before
        await publish(hub, range(5, 8))
        early = [index_of(p) for p in await receive(track, 3)]
        track._started_at -= 2  # a second has passed since the start
        track.picture_lost()
        await publish(hub, range(8, 9))
        late = [index_of(p) for p in await receive(track, 9)]
        track.stop()
        return early + late

    assert asyncio.run(run()) == [5, 6, 7, *range(9)]
