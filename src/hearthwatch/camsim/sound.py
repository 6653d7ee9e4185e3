"""Sound for simulated cameras: a soft chime per camera, AAC-encoded once and looped.

What a camera's microphone "hears" is a quiet ping every few seconds and a short melody
(each camera has its own) when someone enters the picture, so sound and picture can be
checked against each other by ear and by test. The signal repeats with the video scene;
it is encoded once with FFmpeg's AAC encoder (AAC-LC, 16 kHz mono, like many cameras)
and cached on disk as raw access units of 1024 samples, which the camera then sends in a
loop without any encoding at run time.

A loop of the scene need not hold a whole number of AAC frames (20 s at 16 kHz is 312.5),
so the clip covers as many loops as it takes (at most 8). It is encoded with the end of the
signal before it and its start after it, and only the frames inside are kept: the encoder
is in its steady state at both ends and the loop has no click.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

from hearthwatch.camsim.scene import SceneSpec, default_cache_dir, write_atomically

CACHE_VERSION = 1
SAMPLE_RATE = 16_000
SAMPLES_PER_FRAME = 1024  # AAC-LC
AAC_LC = 2
# Sampling frequency indexes of ISO/IEC 14496-3 (1.6.3.4).
RATE_INDEX = {96000: 0, 88200: 1, 64000: 2, 48000: 3, 44100: 4, 32000: 5, 24000: 6,
              22050: 7, 16000: 8, 12000: 9, 11025: 10, 8000: 11}  # fmt: skip

# One melody per camera (Hz), from a pentatonic scale so that none of them sounds harsh.
MELODIES: tuple[tuple[float, ...], ...] = (
    (659.25, 523.25, 392.00),  # E5 C5 G4: a doorbell's ding-dong
    (523.25, 659.25, 783.99),  # C5 E5 G5, rising
    (587.33, 440.00, 587.33),  # D5 A4 D5
    (392.00, 493.88, 587.33, 783.99),  # G4 B4 D5 G5
    (880.00, 659.25, 523.25),  # A5 E5 C5, falling
    (440.00, 523.25, 440.00, 659.25),  # A4 C5 A4 E5
)
NOTE_SPACING_S = 0.28
NOTE_LENGTH_S = 1.6
NOTE_DECAY_S = 0.4
CHIME_LEVEL = 0.22
PING_EVERY_S = 4.0
PING_LEVEL = 0.04


@dataclass(frozen=True)
class SoundSpec:
    seconds: int = 20  # the video loop's length: the sound repeats with it
    chimes: tuple[float, ...] = (6.0,)  # when the melody starts, in seconds into the loop
    melody: tuple[float, ...] = MELODIES[0]
    sample_rate: int = SAMPLE_RATE
    bitrate: int = 32_000

    def cache_key(self) -> str:
        raw = json.dumps([CACHE_VERSION, *self.__dict__.values()], default=list)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    @property
    def loops(self) -> int:
        """How many loops of the scene make a whole number of AAC frames."""
        loop_samples = self.seconds * self.sample_rate
        return SAMPLES_PER_FRAME // math.gcd(SAMPLES_PER_FRAME, loop_samples)

    def audio_specific_config(self) -> bytes:
        """AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1) for AAC-LC mono: the SDP `config`."""
        bits = (AAC_LC << 11) | (RATE_INDEX[self.sample_rate] << 7) | (1 << 3)
        return bits.to_bytes(2, "big")


def sound_for(scene: SceneSpec, variant: int) -> SoundSpec:
    """The sound of a camera showing `scene`: its melody rings as each motion episode starts."""
    chimes = tuple(start for start, _ in scene.motion) or (0.0,)
    return SoundSpec(scene.seconds, chimes, MELODIES[variant % len(MELODIES)])


@dataclass(frozen=True)
class AudioClip:
    """Raw AAC access units of `SAMPLES_PER_FRAME` samples each, to be sent in a loop."""

    spec: SoundSpec
    frames: tuple[bytes, ...]

    @property
    def sample_rate(self) -> int:
        return self.spec.sample_rate

    @property
    def frame_seconds(self) -> float:
        return SAMPLES_PER_FRAME / self.spec.sample_rate

    @property
    def config(self) -> bytes:
        return self.spec.audio_specific_config()


def load_sound(spec: SoundSpec, cache_dir: Path | None = None) -> AudioClip:
    """The encoded sound for `spec`, from the cache or encoded now (and cached)."""
    directory = cache_dir or default_cache_dir()
    path = directory / f"sound-{spec.sample_rate}-{spec.cache_key()}.bin"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        frames = encode_sound(spec)
        write_atomically(path, b"".join(struct.pack("!H", len(f)) + f for f in frames))
    return AudioClip(spec, tuple(_read_frames(path.read_bytes())))


def _read_frames(blob: bytes) -> list[bytes]:
    frames, offset = [], 0
    while offset < len(blob):
        (size,) = struct.unpack_from("!H", blob, offset)
        frames.append(blob[offset + 2 : offset + 2 + size])
        offset += 2 + size
    return frames


def synthesize(spec: SoundSpec) -> NDArray[np.float32]:
    """One loop of the signal, as float samples in [-1, 1]."""
    rate, length = spec.sample_rate, spec.seconds * spec.sample_rate
    signal = np.zeros(length, np.float32)
    pings = np.arange(0.0, spec.seconds, PING_EVERY_S)
    for start in pings:
        _add(signal, _note(min(spec.melody) / 2, rate, PING_LEVEL), round(start * rate))
    for start in spec.chimes:
        for index, pitch in enumerate(spec.melody):
            offset = round((start + index * NOTE_SPACING_S) * rate)
            _add(signal, _note(pitch, rate, CHIME_LEVEL), offset)
    return signal


def _note(pitch: float, rate: int, level: float) -> NDArray[np.float32]:
    """A soft bell-like note: a sine with two quiet overtones, quick attack, slow decay."""
    t = np.arange(round(NOTE_LENGTH_S * rate)) / rate
    tone = np.sin(2 * np.pi * pitch * t)
    tone += 0.25 * np.sin(2 * np.pi * 2 * pitch * t) + 0.1 * np.sin(2 * np.pi * 3 * pitch * t)
    envelope = np.minimum(1.0, t / 0.006) * np.exp(-t / NOTE_DECAY_S)
    note: NDArray[np.float32] = (level / 1.35 * tone * envelope).astype(np.float32)
    return note


def _add(signal: NDArray[np.float32], note: NDArray[np.float32], offset: int) -> None:
    # The signal loops: a note ringing past the end carries on at the start.
    positions = (offset + np.arange(len(note))) % len(signal)
    np.add.at(signal, positions, note)


def encode_sound(spec: SoundSpec) -> list[bytes]:
    """AAC access units covering `spec.loops` loops of the signal, seamless when repeated."""
    clip = np.tile(synthesize(spec), spec.loops)
    margin = 2 * SAMPLES_PER_FRAME
    padded = np.concatenate([clip[-margin:], clip, clip[: 2 * margin]])
    codec = _encoder(spec)
    frames: list[bytes] = []
    for start in range(0, len(padded) - SAMPLES_PER_FRAME + 1, SAMPLES_PER_FRAME):
        chunk = padded[None, start : start + SAMPLES_PER_FRAME]
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
        frame.sample_rate, frame.pts = spec.sample_rate, start - margin
        # A packet's pts is the first sample it decodes to (the encoder's delay is counted).
        frames += [bytes(p) for p in codec.encode(frame) if 0 <= (p.pts or 0) < len(clip)]
    expected = len(clip) // SAMPLES_PER_FRAME
    if len(frames) != expected:
        raise RuntimeError(f"AAC encoder gave {len(frames)} frames for {expected}")
    return frames


def _encoder(spec: SoundSpec) -> av.AudioCodecContext:
    codec = av.CodecContext.create("aac", "w")
    assert isinstance(codec, av.AudioCodecContext)
    codec.sample_rate, codec.layout, codec.format = spec.sample_rate, "mono", "fltp"
    codec.bit_rate = spec.bitrate
    codec.time_base = Fraction(1, spec.sample_rate)
    codec.options = {"aac_coder": "fast"}
    return codec
