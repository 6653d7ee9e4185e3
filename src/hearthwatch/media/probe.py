"""A short look at a camera stream before it is added (or while its owner types its address).

The look is the recorder's own connection (media/source.py), bounded: the address resolved
and checked by the outbound policy and pinned, the stream's owner asked about (`vet`), the
pre-flight that refuses redirects, then FFmpeg opens the stream with the transport choice of
media/connection.py (TCP, then UDP for a camera that refuses TCP) and reads what it sends.
The answer is either "reached" with the codec, the picture size, the transport that
worked and the sound's codec, or one of the stable problem codes of media/status.py: never
the raw error, which would tell a user what answers at an address (it goes to the log).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import av

from hearthwatch.errors import HearthwatchError
from hearthwatch.media import status as codes
from hearthwatch.media.connection import AUTO, transport_order, transport_refused
from hearthwatch.media.ingest import problem_of
from hearthwatch.media.source import RtspSource, TargetCheck, pinned_url
from hearthwatch.protocols.rtsp_url import without_credentials as _hide
from hearthwatch.security.outbound import OutboundPolicy

log = logging.getLogger("hearthwatch.recorder")

PROBE_TIMEOUT_S = 4.0  # per step: connecting, each answer, each read
RECORDED_CODECS = frozenset({"h264", "hevc"})
_FAILURES = (av.FFmpegError, OSError, ValueError, IndexError, HearthwatchError)


@dataclass(frozen=True)
class ProbeResult:
    """What the look found. `problem` is set when the stream cannot be recorded as it is;
    `reached` says whether a stream answered at all (a format we do not record is reached)."""

    reached: bool
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    transport: str | None = None
    problem: str | None = None
    audio: str | None = None  # the sound's codec (aac, pcm_mulaw, ...), None when silent

    @property
    def usable(self) -> bool:
        return self.reached and self.problem is None


def probe_stream(
    url: str,
    policy: OutboundPolicy,
    *,
    transport: str = AUTO,
    vet: TargetCheck | None = None,
    timeout: float = PROBE_TIMEOUT_S,
) -> ProbeResult:
    """Look at the stream at `url` (credentials in it, if any) for a few seconds."""
    started = time.monotonic()
    try:
        pinned = pinned_url(url, policy, vet, timeout=timeout)
    except _FAILURES as err:
        return _failed(err, started)
    error: BaseException | None = None
    for choice in transport_order(transport, None):
        try:
            return _open(pinned, choice, timeout)
        except _FAILURES as err:
            error = err
            if not transport_refused(err):
                break
    assert error is not None
    return _failed(error, started)


def _open(pinned: str, transport: str, timeout: float) -> ProbeResult:
    source = RtspSource(pinned, transport, read_timeout=timeout, interrupt=True)
    try:
        context = source.video.codec_context
        codec = context.name
        problem = None if codec in RECORDED_CODECS else codes.UNSUPPORTED_CODEC
        width, height = context.width or None, context.height or None
        audio = source.audio.codec_context.name if source.audio is not None else None
        return ProbeResult(True, codec, width, height, transport, problem, audio)
    finally:
        source.close()


def _failed(err: BaseException, started: float) -> ProbeResult:
    problem = problem_of(err)
    log.info("camera probe failed", extra={
        "problem": problem, "seconds": round(time.monotonic() - started, 2),
        "error": _hide(f"{type(err).__name__}: {err}")[:300],
    })  # fmt: skip
    return ProbeResult(False, problem=problem)
