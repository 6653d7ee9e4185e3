"""Pictures for simulated cameras: a pre-encoded looping scene, cached on disk.

The scene is one of the `views` (by default a quiet yard: sky, lawn, a house) in which a
visitor crosses during scripted motion episodes, with the camera's name printed on it when
the spec has a label. A spec's `quiet` twin has nobody in it and still grain; its
`crossing` twins are the short clips of one actor crossing, which `motion` splices into the
quiet scene on command or on a schedule. Each is encoded once per spec (view, label, size,
rate, length, bitrate, actor) with libx264 (no B-frames, fixed GOP, constant bitrate like a
real camera) and kept in a cache file of length-prefixed frames, so dozens of cameras can
serve it for almost no CPU.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import av

from hearthwatch.camsim.views import ViewPainter
from hearthwatch.protocols.h264 import NAL_PPS, NAL_SPS, nal_type, split_annexb

CACHE_VERSION = 3
QUIET_SECONDS = 4  # a still scene's loop: two GOPs
CROSSING_SECONDS = 6  # a crossing on command: three GOPs of 2 s


@dataclass(frozen=True)
class SceneSpec:
    width: int = 1280
    height: int = 720
    fps: int = 25
    seconds: int = 20
    gop_seconds: float = 2.0
    bitrate_kbps: int = 2000
    motion: tuple[tuple[float, float], ...] = ((6.0, 12.0),)
    view: str = "yard"  # a name from `views.VIEWS`
    label: str = ""  # printed on the picture
    actor: str = ""  # who crosses (a name from `views.ACTORS`); "": the view's own visitor
    moving_grain: bool = True  # False: the same grain on every frame (a truly still scene)

    def cache_key(self) -> str:
        raw = json.dumps([CACHE_VERSION, *self.__dict__.values()], default=list)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def in_motion(self, second: float) -> bool:
        return any(start <= second < end for start, end in self.motion)

    def quiet(self) -> SceneSpec:
        """The same view with nobody in it and still grain: nothing moves, frame to frame."""
        return replace(self, seconds=QUIET_SECONDS, motion=(), moving_grain=False)

    def crossing(self, actor: str = "") -> SceneSpec:
        """A clip of `actor` crossing the quiet scene, to be spliced into it on command.

        The actor is already in view on the first frame (so the motion starts with the clip)
        and crosses from 10% to 90% of its way: the episode runs a little past both ends."""
        lead = CROSSING_SECONDS * 0.1 / 0.8
        episode = ((-lead, CROSSING_SECONDS + lead),)
        quiet = self.quiet()
        return replace(quiet, seconds=CROSSING_SECONDS, motion=episode, actor=actor)


@dataclass(frozen=True)
class EncodedFrame:
    nals: tuple[bytes, ...]
    keyframe: bool


@dataclass(frozen=True)
class EncodedClip:
    spec: SceneSpec
    sps: bytes
    pps: bytes
    frames: tuple[EncodedFrame, ...]

    @property
    def fps(self) -> int:
        return self.spec.fps


def default_cache_dir() -> Path:
    base = os.environ.get("HEARTHWATCH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "hearthwatch"
    )
    return Path(base) / "camsim"


def load_clip(spec: SceneSpec, cache_dir: Path | None = None) -> EncodedClip:
    """The encoded scene for `spec`, from the cache or encoded now (and cached)."""
    directory = cache_dir or default_cache_dir()
    path = directory / f"scene-{spec.width}x{spec.height}-{spec.cache_key()}.bin"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        write_atomically(path, b"".join(_records(encode_scene(spec))))
    return _read_clip(spec, path.read_bytes())


def _records(frames: Iterator[tuple[bytes, bool]]) -> Iterator[bytes]:
    for data, key in frames:
        yield struct.pack("!IB", len(data), int(key)) + data


def write_atomically(path: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temp, path)


def _read_clip(spec: SceneSpec, blob: bytes) -> EncodedClip:
    frames, offset = [], 0
    sps = pps = b""
    while offset < len(blob):
        size, key = struct.unpack_from("!IB", blob, offset)
        nals = split_annexb(blob[offset + 5 : offset + 5 + size])
        offset += 5 + size
        for nal in nals:
            sps = nal if nal_type(nal) == NAL_SPS else sps
            pps = nal if nal_type(nal) == NAL_PPS else pps
        frames.append(EncodedFrame(tuple(nals), bool(key)))
    return EncodedClip(spec, sps, pps, tuple(frames))


def encode_scene(spec: SceneSpec) -> Iterator[tuple[bytes, bool]]:
    """Encode the scene; yields (Annex B access unit, is keyframe)."""
    codec = make_encoder(spec.width, spec.height, spec.fps, spec.gop_seconds, spec.bitrate_kbps)
    painter = ViewPainter(
        spec.width,
        spec.height,
        spec.view,
        spec.label,
        actor=spec.actor,
        moving_grain=spec.moving_grain,
    )
    for index in range(spec.seconds * spec.fps):
        picture = painter.paint_i420(index / spec.fps, spec.motion, index)
        frame = av.VideoFrame.from_ndarray(picture, format="yuv420p")
        frame.pts = index
        for packet in codec.encode(frame):
            yield bytes(packet), bool(packet.is_keyframe)
    for packet in codec.encode(None):
        yield bytes(packet), bool(packet.is_keyframe)


def make_encoder(
    width: int, height: int, fps: int, gop_seconds: float, bitrate_kbps: int, *, live: bool = False
) -> av.VideoCodecContext:
    """libx264 set up like a camera: no B-frames, fixed GOP, headers on every keyframe.

    Scenes encoded ahead use `superfast` (half the time of `veryfast` at the same constant
    bitrate: the demo's first start encodes one scene per camera); live ones `ultrafast`."""
    codec = av.CodecContext.create("libx264", "w")
    assert isinstance(codec, av.VideoCodecContext)
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.time_base = Fraction(1, fps)
    codec.framerate = Fraction(fps, 1)
    gop = max(1, round(gop_seconds * fps))
    codec.gop_size = gop
    codec.max_b_frames = 0
    codec.bit_rate = bitrate_kbps * 1000
    params = (
        f"keyint={gop}:min-keyint={gop}:scenecut=0:repeat-headers=1:bframes=0:"
        f"vbv-maxrate={bitrate_kbps}:vbv-bufsize={bitrate_kbps}:nal-hrd=cbr:force-cfr=1"
    )
    codec.options = {
        "preset": "ultrafast" if live else "superfast",
        "tune": "zerolatency",
        "profile": "high",
        "x264-params": params,
    }
    return codec
