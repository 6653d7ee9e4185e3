"""Recording a foreign camera (tests/support/foreign_cameras.py) with the real ingest, and
reading what was stored with Debian's ffprobe: shared by the issue 12 media tests."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hearthwatch.media.ingest import CameraIngest
from hearthwatch.media.segmenter import FinishedSegment
from tests.media.conftest import simulator_policy, wait_for
from tests.support.foreign_cameras import foreign_camera


@dataclass
class Recording:
    """The segments an ingest made of a foreign camera, each with when it was handed over."""

    segments: list[FinishedSegment] = field(default_factory=list)
    delivered_us: list[int] = field(default_factory=list)
    stopped_us: int = 0
    snapshot: bytes | None = None
    codec: str | None = None
    live_init: bytes | None = None

    def keep(self, segment: FinishedSegment) -> None:
        self.segments.append(segment)
        self.delivered_us.append(int(time.time() * 1_000_000))


def record(
    kind: str,
    segments: int,
    *,
    segment_seconds: float = 2.0,
    watch: Callable[[CameraIngest], None] | None = None,
) -> Recording:
    """Record `kind` until `segments` segments are stored (a live snapshot taken on the way);
    `watch` is called with the running ingest first, to look at its live view."""
    from hearthwatch.media.snapshots import LiveSnapshots

    recording = Recording()
    with foreign_camera(kind) as camera:
        ingest = CameraIngest(
            kind, camera.url, True, recording.keep, simulator_policy,
            segment_seconds=segment_seconds,
        )  # fmt: skip
        ingest.start()
        try:
            if watch is not None:
                wait_for(lambda: ingest.hub.init is not None)
                watch(ingest)
            wait_for(lambda: len(recording.segments) >= segments, timeout=20 + 4 * segments)
            recording.snapshot = LiveSnapshots().latest(kind, ingest.hub)
            recording.live_init = ingest.hub.init
        finally:
            ingest.stop()
        recording.stopped_us = int(time.time() * 1_000_000)
        recording.codec = ingest.status.codec
    return recording


def ffprobe(data: bytes, *arguments: str) -> dict[str, Any]:
    """ffprobe's JSON about an MP4 held in memory."""
    with tempfile.TemporaryDirectory(prefix="hw-probe-") as folder:
        path = Path(folder) / "media.mp4"
        path.write_bytes(data)
        done = subprocess.run(
            ["ffprobe", "-v", "error", "-of", "json", *arguments, str(path)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert done.stderr == "", done.stderr
        result: dict[str, Any] = json.loads(done.stdout)
        return result


def packets(data: bytes, stream: str) -> list[dict[str, Any]]:
    """The packets of one stream ("v" or "a") in file order, with their times."""
    found = ffprobe(data, "-select_streams", stream, "-show_entries", "packet=pts,dts,duration")
    result: list[dict[str, Any]] = found.get("packets", [])
    return result


def streams(data: bytes) -> list[dict[str, Any]]:
    found = ffprobe(data, "-show_streams", "-count_frames")
    result: list[dict[str, Any]] = found["streams"]
    return result


def decode_errors(data: bytes) -> str:
    """What FFmpeg complains about while decoding every frame (empty when clean)."""
    with tempfile.TemporaryDirectory(prefix="hw-decode-") as folder:
        path = Path(folder) / "media.mp4"
        path.write_bytes(data)
        done = subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
            capture_output=True, text=True,
        )  # fmt: skip
        return done.stderr + ("" if done.returncode == 0 else f"exit {done.returncode}")
