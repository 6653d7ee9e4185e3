"""A camera's audio as stored and shown: AAC, by copy when the camera sends AAC.

Browsers play AAC in MP4 everywhere; G.711 (mu-law or A-law, common on cameras) they do not,
so it is transcoded to AAC here at ingest. That costs little: the audio is 8 kHz mono, and
only the audio is touched. Every frame comes out raw (no ADTS header) with its presentation
time on the camera's clock in 90 kHz ticks (the demuxer puts a session's streams on one
clock) and its duration in sample-rate ticks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

import av
import av.audio

from hearthwatch.media.fmp4 import TIMESCALE, AudioFormat

AAC = "aac"
TRANSCODED = frozenset({"pcm_mulaw", "pcm_alaw"})
AAC_FRAME = 1024  # samples per AAC-LC frame
TRANSCODE_BITRATE = 32_000


class AudioOut(NamedTuple):
    data: bytes  # one raw AAC frame
    ticks: int  # presentation time, camera clock, TIMESCALE units
    duration: int  # sample-rate ticks


@dataclass
class AudioInput:
    """One session's audio stream, turned into AAC frames."""

    stream: av.audio.stream.AudioStream
    format: AudioFormat
    _base: tuple[int, int] = (0, 1)
    _encoder: av.audio.codeccontext.AudioCodecContext | None = None
    _resampler: av.audio.resampler.AudioResampler | None = None
    _next_pts: int | None = field(default=None)

    def __post_init__(self) -> None:
        base = self.stream.time_base
        self._base = (base.numerator, base.denominator) if base else (1, self.format.sample_rate)

    @property
    def copies(self) -> bool:
        """AAC from the camera, stored as it came (the ingest's cheap path, per packet)."""
        return self._encoder is None

    @property
    def clock(self) -> tuple[int, int, int]:
        """(multiplier, divisor, samples multiplier) turning the stream's time base into
        TIMESCALE ticks (``pts * m // d``) and sample-rate ticks (``duration * s // d``)."""
        numerator, denominator = self._base
        return TIMESCALE * numerator, denominator, self.format.sample_rate * numerator

    def frames(self, packet: av.Packet[Any]) -> Iterator[AudioOut]:
        """The AAC frames of one packet (none while a transcoder fills its first frame)."""
        if self._encoder is None:
            multiplier, divisor, samples = self.clock
            length = (packet.duration or 0) * samples // divisor
            yield AudioOut(
                bytes(packet), (packet.pts or 0) * multiplier // divisor, length or AAC_FRAME
            )
            return
        yield from self._transcode(packet)

    def _transcode(self, packet: av.Packet[Any]) -> Iterator[AudioOut]:
        assert self._encoder is not None and self._resampler is not None
        rate = self.format.sample_rate
        numerator, denominator = self._base
        for decoded in self.stream.codec_context.decode(packet):
            if self._next_pts is None or decoded.pts is None:
                start = (decoded.pts or 0) * rate * numerator // denominator
            else:
                start = self._next_pts
            for frame in self._resampler.resample(decoded):
                frame.pts, frame.time_base = start, Fraction(1, rate)
                start += frame.samples
                for out in self._encoder.encode(frame):
                    yield AudioOut(
                        bytes(out), (out.pts or 0) * TIMESCALE // rate, out.duration or AAC_FRAME
                    )
            self._next_pts = start


def open_audio(stream: av.audio.stream.AudioStream) -> AudioInput | None:
    """The stream as AAC frames: copied if AAC, transcoded if G.711; None for any other
    codec (the video is recorded without it)."""
    context = stream.codec_context
    rate, channels = context.sample_rate or 0, context.channels or 1
    if context.name == AAC and context.extradata and rate:
        return AudioInput(stream, AudioFormat(AAC, rate, channels, bytes(context.extradata)))
    if context.name not in TRANSCODED or not rate:
        return None
    encoder = av.CodecContext.create(AAC, "w")
    assert isinstance(encoder, av.audio.codeccontext.AudioCodecContext)
    layout = "mono" if channels == 1 else "stereo"
    encoder.sample_rate, encoder.layout, encoder.format = rate, layout, "fltp"
    encoder.bit_rate = TRANSCODE_BITRATE
    encoder.time_base = Fraction(1, rate)
    encoder.open()
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate, frame_size=AAC_FRAME)
    fmt = AudioFormat(AAC, rate, 1 if channels == 1 else 2, bytes(encoder.extradata or b""))
    return AudioInput(stream, fmt, _encoder=encoder, _resampler=resampler)
