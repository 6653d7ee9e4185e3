"""Which of a camera's streams live view serves (issue 12 item 4).

A camera's main stream is what it records. When that is H.265 and the camera has an H.264
sub-stream, the recorder also runs a live-only ingest of the sub-stream (media/recorder.py),
and a viewer that cannot play H.265 gets it instead: WebRTC always (browsers' WebRTC cannot
be counted on for H.265), the WebSocket when the player says its Media Source Extensions
lack H.265 (`?stream=sub`). The server decides what exists: a viewer asking for the
sub-stream of an H.264 camera, or of a camera without one, gets the main stream.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Protocol

from hearthwatch.media.live import LiveHub
from hearthwatch.media.status import IngestStatus

SUB_STARTING_SECONDS = 8.0  # a sub-stream that is starting is waited for this long


class LiveSources(Protocol):
    def hub(self, camera_id: str) -> LiveHub | None: ...
    def status(self, camera_id: str) -> IngestStatus | None: ...
    def sub_stream(self, camera_id: str) -> tuple[LiveHub, IngestStatus] | None: ...
    def wants_sub_stream(self, camera_id: str) -> bool: ...


@dataclass(frozen=True)
class LiveStream:
    hub: LiveHub
    status: IngestStatus
    sub: bool

    def describe(self) -> dict[str, Any]:
        """What the player is told it shows: which stream, its codec and size."""
        status = self.status
        return {
            "stream": "sub" if self.sub else "main",
            "codec": status.codec,
            "width": status.width,
            "height": status.height,
        }

    def header(self) -> str:
        """`describe` as a header value: `sub; codec=h264; width=640; height=360`."""
        info = self.describe()
        stream = info.pop("stream")
        return "; ".join([stream, *(f"{k}={v}" for k, v in info.items() if v is not None)])


def sends_h265(hub: LiveHub) -> bool:
    return hub.init is not None and b"avcC" not in hub.init


def _streaming(hub: LiveHub | None, status: IngestStatus | None) -> bool:
    return hub is not None and hub.init is not None and status is not None and status.online


def _main(sources: LiveSources, camera_id: str) -> LiveStream | None:
    hub, status = sources.hub(camera_id), sources.status(camera_id)
    if hub is None or status is None or not _streaming(hub, status):
        return None
    return LiveStream(hub, status, sub=False)


def _choose(sources: LiveSources, camera_id: str, h264_only: bool) -> LiveStream | str | None:
    """The stream to serve now; "starting" while a wanted sub-stream is not there yet."""
    main = _main(sources, camera_id)
    if main is None or not (h264_only and sends_h265(main.hub)):
        return main
    sub = sources.sub_stream(camera_id)
    if sub is not None and _streaming(*sub) and not sends_h265(sub[0]):
        return LiveStream(sub[0], sub[1], sub=True)
    return "starting" if sources.wants_sub_stream(camera_id) else main


async def live_stream(
    sources: LiveSources, camera_id: str, *, h264_only: bool, wait_seconds: float
) -> LiveStream | None:
    """The stream a viewer gets (None: the camera is offline). A camera that is connecting,
    or whose sub-stream is starting, gets `wait_seconds` (browsers log refused requests);
    a sub-stream that does not come by then leaves the main stream."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(wait_seconds, SUB_STARTING_SECONDS)
    main_by = loop.time() + wait_seconds
    while True:
        chosen = _choose(sources, camera_id, h264_only)
        if isinstance(chosen, LiveStream):
            return chosen
        now = loop.time()
        if chosen is None and now >= main_by:
            return None
        if now >= deadline:
            return _main(sources, camera_id)
        await asyncio.sleep(0.1)
