"""Cameras nobody on this project wrote: media made by Debian's ffmpeg, served over RTSP by
GStreamer's gst-rtsp-server (`gst_rtsp_serve.py`, run with Debian's own Python).

Each kind is a stream real cameras send and our simulator does not:

- ``h264-bframes-aac``: H.264 High profile with two B-frames and AAC audio;
- ``h265-aac``: H.265 (HEVC) with AAC audio;
- ``h264-pcmu``: H.264 Main (no B-frames) with G.711 mu-law audio;
- ``h264-long-gop``: H.264, a keyframe every 10 seconds, no audio;
- ``h264-sub``: H.264 Main, no audio: the sub-stream of an H.265 camera (served by a second
  server next to ``h265-aac``).

The files are made once per test session (a second or two each) and served from the
start for every client, in real time, until they end (`SECONDS`): a camera that closes
the stream then, which the recorder treats like a camera that went away.

    with foreign_camera("h264-bframes-aac", udp_only=True) as camera:
        camera.url          # rtsp://127.0.0.1:PORT/file (credentials included if any)
        camera.restart()    # the server goes away and comes back on the same port
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
SERVER = Path(__file__).parent / "gst_rtsp_serve.py"
SECONDS = 90
FPS = 25
SIZE = "640x360"
FOLDER = Path(tempfile.gettempdir()) / "hearthwatch-foreign-cameras"

_VIDEO = {
    "h264-bframes-aac": ["-c:v", "libx264", "-profile:v", "high", "-preset", "veryfast",
                         "-bf", "2", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0"],
    "h265-aac": ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params",
                 "keyint=50:min-keyint=50:bframes=0:log-level=error"],
    "h264-pcmu": ["-c:v", "libx264", "-profile:v", "main", "-preset", "veryfast", "-bf", "0",
                  "-g", "50"],
    "h264-long-gop": ["-c:v", "libx264", "-profile:v", "high", "-preset", "veryfast",
                      "-bf", "0", "-g", str(10 * FPS), "-keyint_min", str(10 * FPS),
                      "-sc_threshold", "0"],
    "h264-sub": ["-c:v", "libx264", "-profile:v", "main", "-preset", "veryfast", "-bf", "0",
                 "-g", "25"],
}  # fmt: skip
_AUDIO = {
    "h264-bframes-aac": ["-c:a", "aac", "-b:a", "64k", "-ar", "48000", "-ac", "1"],
    "h265-aac": ["-c:a", "aac", "-b:a", "64k", "-ar", "48000", "-ac", "1"],
    "h264-pcmu": ["-c:a", "pcm_mulaw", "-ar", "8000", "-ac", "1"],
    "h264-long-gop": ["-an"],
    "h264-sub": ["-an"],
}
KINDS = tuple(_VIDEO)

_made: dict[str, Path] = {}
_lock = threading.Lock()


def available() -> bool:
    """Whether Debian's Python has gst-rtsp-server, and Debian's ffmpeg is installed."""
    if not Path(SYSTEM_PYTHON).exists() or shutil.which("ffmpeg") is None:
        return False
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('GstRtspServer', '1.0');"
         "from gi.repository import GstRtspServer"],
        capture_output=True,
    )  # fmt: skip
    return probe.returncode == 0


def media_file(kind: str) -> Path:
    """The file for `kind`, made on first use (a moving test pattern and a tone).

    Kept in the temporary folder under a name that changes with how it is made, so the
    test workers (and later runs) share one copy; written aside and renamed into place."""
    with _lock:
        if kind in _made:
            return _made[kind]
        recipe = repr((_VIDEO[kind], _AUDIO[kind], SECONDS, FPS, SIZE)).encode()
        path = FOLDER / f"{kind}-{hashlib.sha256(recipe).hexdigest()[:12]}.mkv"
        if path.exists():
            _made[kind] = path
            return path
        FOLDER.mkdir(exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part.mkv")
        source = ["-f", "lavfi", "-i", f"testsrc2=size={SIZE}:rate={FPS}:duration={SECONDS}"]
        tone = ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={SECONDS}"]
        inputs = source if _AUDIO[kind] == ["-an"] else source + tone
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", *inputs, *_VIDEO[kind], "-pix_fmt", "yuv420p",
             *_AUDIO[kind], str(partial)],
            check=True,
        )  # fmt: skip
        os.replace(partial, path)
        _made[kind] = path
        return path


@dataclass
class ForeignCamera:
    """One gst-rtsp-server process serving one file."""

    kind: str
    port: int
    udp_only: bool = False
    user: str | None = None
    password: str | None = None
    _process: subprocess.Popen[str] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        auth = f"{self.user}:{self.password}@" if self.user else ""
        return f"rtsp://{auth}127.0.0.1:{self.port}/file"

    @property
    def url_without_credentials(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/file"

    def start(self) -> None:
        command = [SYSTEM_PYTHON, str(SERVER), str(media_file(self.kind)), str(self.port)]
        if self.udp_only:
            command.append("--udp-only")
        if self.user:
            command += ["--user", self.user, "--password", self.password or ""]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()
        if line != "ready":
            self.stop()
            raise RuntimeError(f"gst-rtsp-server did not start for {self.kind}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()  # its "ready" pipe, or the test run warns of it

    def restart(self, away_seconds: float = 0.0) -> None:
        """The camera reboots: the server stops, stays away, and comes back on its port."""
        self.stop()
        time.sleep(away_seconds)
        self.start()


@contextmanager
def foreign_camera(
    kind: str, *, udp_only: bool = False, user: str | None = None, password: str | None = None
) -> Iterator[ForeignCamera]:
    from tests.support.postgres import free_port

    camera = ForeignCamera(kind, free_port(), udp_only, user, password)
    camera.start()
    try:
        yield camera
    finally:
        camera.stop()
