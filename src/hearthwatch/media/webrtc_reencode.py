"""H.264 with B-frames, made playable over WebRTC: decoded and encoded again without them.

Browsers' WebRTC decoders expect every frame to be shown as soon as it is decoded. A
B-frame stream breaks that: Chromium's decoder gives no picture for the frames whose
display waits on a later one, reports the picture lost (RTCP PLI) and shows about one
frame a second, whatever the RTP time stamps say (measured with Chromium 156; go2rtc also
re-encodes with ``-bf 0`` for WebRTC). Media Source Extensions play B-frames as they are,
so only WebRTC peers of such cameras pay for this: one decoder and one x264 encoder
(ultrafast, no B-frames, zero latency) per peer, run off the event loop. Measured on this
kind of machine (2 cores, busy): about 3 ms a frame at 640x360, about 22 ms at 1080p, so
`WebRtcPeers` lets only a few peers re-encode at once; the others are refused and the
player falls back to Media Source Extensions.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import av
from av.video.codeccontext import VideoCodecContext
from av.video.frame import PictureType

from hearthwatch.media.fmp4 import TIMESCALE

TIME_BASE = Fraction(1, TIMESCALE)
BITS_PER_PIXEL = 0.08  # per frame, at 25 frames a second: ~1.8 Mbit/s at 720p
KEYFRAME_SECONDS = 2


class Reencoder:
    """Annex B access units in decode order in, Annex B access units without B-frames out."""

    def __init__(self) -> None:
        self._decoder = av.CodecContext.create("h264", "r")
        self._encoder: VideoCodecContext | None = None
        self._keyframe_wanted = True

    def want_keyframe(self) -> None:
        """The next frame out is a keyframe (the browser lost the picture)."""
        self._keyframe_wanted = True

    def encode(self, access_unit: bytes, pts: int) -> list[av.Packet[Any]]:
        """The frames `access_unit` completes (none while a B-frame is awaited), encoded."""
        packet = av.Packet(access_unit)
        packet.pts, packet.time_base = pts, TIME_BASE
        out: list[av.Packet[Any]] = []
        try:
            frames = self._decoder.decode(packet)
        except av.FFmpegError:
            return out  # a damaged frame: the decoder recovers at the next keyframe
        for frame in frames:
            out += self._encode(frame)
        return out

    def _encode(self, frame: av.VideoFrame) -> list[av.Packet[Any]]:
        encoder = self._encoder_for(frame)
        if frame.format.name != "yuv420p":
            frame = frame.reformat(format="yuv420p")
        frame.pict_type = PictureType.I if self._keyframe_wanted else PictureType.NONE
        self._keyframe_wanted = False
        packets = list(encoder.encode(frame))
        for packet in packets:
            packet.time_base = TIME_BASE
        return packets

    def _encoder_for(self, frame: av.VideoFrame) -> VideoCodecContext:
        encoder = self._encoder
        if encoder is None or (encoder.width, encoder.height) != (frame.width, frame.height):
            encoder = av.CodecContext.create("libx264", "w")
            assert isinstance(encoder, VideoCodecContext)
            encoder.width, encoder.height = frame.width, frame.height
            encoder.pix_fmt = "yuv420p"
            encoder.time_base = TIME_BASE
            encoder.framerate = Fraction(25)
            encoder.bit_rate = int(frame.width * frame.height * 25 * BITS_PER_PIXEL)
            encoder.gop_size = 25 * KEYFRAME_SECONDS
            encoder.max_b_frames = 0
            encoder.options = {"preset": "ultrafast", "tune": "zerolatency"}
            self._encoder, self._keyframe_wanted = encoder, True
        return encoder
