"""Issue 13 item 5: ingest reads a camera through the `CameraSource` seam (media/source.py),
so a camera can be handed in without RTSP: here a recorded MPEG-TS file (Annex B H.264 with
its decode and presentation times, as a camera sends them) is recorded into segments."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from hearthwatch.media.connection import ConnectionPolicy
from hearthwatch.media.ingest import CameraIngest
from hearthwatch.media.segmenter import FinishedSegment
from hearthwatch.media.source import CameraSource, TargetCheck
from hearthwatch.security.outbound import OutboundPolicy

FPS, SECONDS = 25, 3


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three seconds of H.264 in MPEG-TS, a keyframe every second."""
    path = tmp_path_factory.mktemp("camera") / "camera.ts"
    with av.open(str(path), "w", format="mpegts") as box:
        video = box.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = 320, 240, "yuv420p"
        video.codec_context.gop_size, video.codec_context.max_b_frames = FPS, 0
        video.codec_context.time_base = Fraction(1, FPS)
        for index in range(FPS * SECONDS):
            picture = np.full((240, 320, 3), index % 255, np.uint8)
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = index
            box.mux(video.encode(frame))
        box.mux(video.encode(None))
    return path


class FileCamera:
    """A `CameraSource` that plays a recorded file once."""

    def __init__(self, path: Path) -> None:
        self.box = av.open(str(path))
        self.closed = False

    @property
    def video(self) -> av.video.stream.VideoStream:
        return self.box.streams.video[0]

    @property
    def audio(self) -> av.audio.stream.AudioStream | None:
        return None

    def packets(self, *, audio: bool) -> Iterator[av.Packet[Any]]:
        return self.box.demux([self.video])

    def close(self) -> None:
        self.closed = True
        self.box.close()


def test_item5_ingest_records_whatever_camera_source_it_is_handed(recorded: Path) -> None:
    segments: list[FinishedSegment] = []
    opened: list[tuple[str, str]] = []
    sources: list[FileCamera] = []
    done = threading.Event()

    def on_segment(segment: FinishedSegment) -> None:
        segments.append(segment)
        if sum(s.frames for s in segments) >= FPS * SECONDS:
            done.set()

    def open_file(
        url: str, policy: OutboundPolicy, vet: TargetCheck | None, transport: str
    ) -> CameraSource:
        opened.append((url, transport))
        sources.append(FileCamera(recorded))
        return sources[-1]

    ingest = CameraIngest(
        camera_id="file-camera",
        url="rtsp://camera.example/live",
        record=True,
        on_segment=on_segment,
        policy=OutboundPolicy,
        connection=ConnectionPolicy(setting="udp"),
        open_source=open_file,
        segment_seconds=1.0,
    )
    ingest.start()
    try:
        assert done.wait(20), f"{len(segments)} segments"
    finally:
        ingest.stop()
    assert opened[0] == ("rtsp://camera.example/live", "udp")
    assert sources[0].closed  # the file ended: its session was closed (and opened again)
    assert sum(s.frames for s in segments) == FPS * SECONDS  # every frame, the first time
    assert all(s.data for s in segments) and len(segments) >= SECONDS - 1
    status = ingest.status
    assert (status.codec, status.width, status.height) == ("h264", 320, 240)
