"""The recorder ingests from an RTSP server nobody here wrote: GStreamer's gst-rtsp-server."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from hearthwatch.camsim.scene import load_clip
from hearthwatch.media.ingest import CameraIngest
from hearthwatch.media.segmenter import FinishedSegment
from hearthwatch.protocols.h264 import annexb
from tests.media.conftest import SMALL_SCENE, simulator_policy, wait_for
from tests.support.postgres import free_port

SYSTEM_PYTHON = "/usr/bin/python3"
SERVER = Path(__file__).parents[1] / "support" / "gst_rtsp_serve.py"


def gst_rtsp_available() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    probe = subprocess.run(
        [
            SYSTEM_PYTHON,
            "-c",
            "import gi; gi.require_version('GstRtspServer', '1.0');"
            "from gi.repository import GstRtspServer",
        ],
        capture_output=True,
    )
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not gst_rtsp_available(), reason="gst-rtsp-server is not installed (scripts/system-deps)"
)


def write_mp4(path: Path) -> None:
    """A plain MP4 of the simulator's scene (packet copy of its H.264 access units)."""
    clip = load_clip(SMALL_SCENE)
    raw = b"".join(annexb(frame.nals) for frame in clip.frames * 5)
    with av.open(io.BytesIO(raw), format="h264") as source, av.open(str(path), "w") as out:
        stream = source.streams.video[0]
        target = out.add_stream_from_template(stream)
        for index, packet in enumerate(source.demux(stream)):
            if packet.size == 0:
                continue
            packet.pts = packet.dts = index * 3600
            target.time_base = stream.time_base = packet.time_base
            packet.stream = target
            out.mux(packet)


@pytest.fixture
def gst_server(tmp_path: Path) -> Iterator[str]:
    movie = tmp_path / "scene.mp4"
    write_mp4(movie)
    port = free_port()
    with subprocess.Popen(
        [SYSTEM_PYTHON, str(SERVER), str(movie), str(port)], stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
            yield f"rtsp://127.0.0.1:{port}/file"
        finally:
            process.terminate()
            process.wait(10)


def test_ingest_records_from_gst_rtsp_server(gst_server: str) -> None:
    segments: list[FinishedSegment] = []
    ingest = CameraIngest(
        "gst", gst_server, True, segments.append, simulator_policy, segment_seconds=2.0
    )
    ingest.start()
    try:
        wait_for(lambda: len(segments) >= 2, timeout=30)
    finally:
        ingest.stop()
    assert ingest.status.codec == "h264" and ingest.status.width == SMALL_SCENE.width
    for segment in segments:
        with av.open(io.BytesIO(segment.data)) as container:
            assert sum(1 for _ in container.decode(video=0)) == segment.frames
    assert shutil.which("gst-launch-1.0")
