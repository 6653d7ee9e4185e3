"""The camera's sound for one WebRTC peer.

Browsers' WebRTC plays Opus and G.711, not AAC, which is what the hub carries (the ingest
keeps a camera's AAC as it is and turns G.711 into AAC). The track decodes each AAC frame
with PyAV and hands aiortc the samples, which it encodes as Opus (or PCMU/PCMA when the
browser offers only those); audio alone costs little to transcode.

Sound must not lag the picture: when frames have piled up (the peer could not send for a
while), the oldest are dropped and the newest played, leaving a short gap instead of a
delay that would last for the rest of the session.
"""

from __future__ import annotations

import asyncio
from collections import deque
from fractions import Fraction

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av.audio.codeccontext import AudioCodecContext

from hearthwatch.media.fmp4 import AudioFormat
from hearthwatch.media.live import LiveAudio, LiveHub, LiveViewer

KEEP_FRAMES = 12  # AAC frames of 1024 samples: about a quarter of a second at 48 kHz


class LiveAudioTrack(MediaStreamTrack):
    """The camera's AAC for one peer, as `av.AudioFrame`s aiortc encodes for the browser."""

    kind = "audio"

    def __init__(self, hub: LiveHub, loop: asyncio.AbstractEventLoop, audio: AudioFormat) -> None:
        super().__init__()
        self._hub = hub
        self._viewer: LiveViewer[LiveAudio] = hub.join_audio(loop)
        self._decoder = decoder_for(audio)
        # aiortc's Opus and G.711 encoders take 16-bit samples, mono or stereo.
        layout = "mono" if audio.channels == 1 else "stereo"
        self._resampler = av.AudioResampler(format="s16", layout=layout, rate=audio.sample_rate)
        self._time_base = Fraction(1, audio.sample_rate)
        self._next_pts = 0
        self._ready: deque[av.AudioFrame] = deque()
        self.dropped = 0  # AAC frames left out to stay near live

    async def recv(self) -> av.AudioFrame:
        while not self._ready:
            if self.readyState != "live":
                raise MediaStreamError
            item = await self._next()
            if item is None:
                self.stop()  # the camera went offline: the peer is closed
                raise MediaStreamError
            self._decode(item)
        return self._ready.popleft()

    async def _next(self) -> LiveAudio | None:
        queue = self._viewer.queue
        while queue.qsize() > KEEP_FRAMES:
            item = queue.get_nowait()
            if item is None:
                return None
            self.dropped += 1
        return await queue.get()

    def _decode(self, item: LiveAudio) -> None:
        try:
            decoded = self._decoder.decode(av.Packet(item.data))
            frames = [out for frame in decoded for out in self._resampler.resample(frame)]
        except av.FFmpegError:
            return  # one damaged frame: a moment of silence
        for frame in frames:
            # A steady clock of samples: RTP time stamps must not jump where frames were
            # dropped or the camera's clock stepped.
            frame.pts, frame.time_base = self._next_pts, self._time_base
            self._next_pts += frame.samples
            self._ready.append(frame)

    def stop(self) -> None:
        self._hub.leave(self._viewer)
        super().stop()


def decoder_for(audio: AudioFormat) -> AudioCodecContext:
    """An AAC decoder for the camera's AudioSpecificConfig."""
    decoder = av.CodecContext.create("aac", "r")
    assert isinstance(decoder, AudioCodecContext)
    decoder.extradata = audio.config
    decoder.sample_rate = audio.sample_rate
    return decoder
