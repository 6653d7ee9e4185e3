"""How camera pages see a camera: its public view, the owner check, and display filters.

Pages ask the same permission resolver as the API. A camera someone may not see is
answered exactly like a camera that does not exist, so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from hearthwatch.access.resolver import Action, authorize
from hearthwatch.accounts.signin import Caller
from hearthwatch.context import AppContext
from hearthwatch.devices.api import public
from hearthwatch.devices.models import Camera
from hearthwatch.devices.schemas import CameraPublic
from hearthwatch.media.status import PROBLEMS, Problem

# Up to this many cameras, My devices plays every tile live; beyond, tiles show snapshots
# refreshed now and then, so a large household does not open a dozen video streams.
LIVE_TILE_LIMIT = 4
BYTES_PER_GB = 1_000_000_000

CODEC_NAMES: Mapping[str, str] = {"h264": "H.264", "hevc": "H.265", "h265": "H.265"}
TRANSPORT_NAMES: Mapping[str, str] = {
    "auto": "Automatic (TCP, else UDP)",
    "tcp": "TCP only",
    "udp": "UDP only",
}


def camera_for(db: Session, viewer: Caller, camera_id: str, action: Action) -> Camera:
    """The camera if the viewer may take `action` on it; else `camera.not_found`, which the
    web routes show as the "not found" page (a stranger's camera looks like no camera)."""
    return authorize(db, user_id=viewer.user.id, camera_id=camera_id, action=action)


def camera_view(ctx: AppContext, camera: Camera) -> CameraPublic:
    """The camera with its live status, exactly as the API describes it."""
    return public(ctx, camera)


def codec_name(codec: str | None) -> str:
    return CODEC_NAMES.get(codec or "", (codec or "unknown").upper())


def resolution(view: CameraPublic) -> str:
    stream = view.stream
    if not (stream.width and stream.height):
        return "unknown"
    return f"{stream.width} \N{MULTIPLICATION SIGN} {stream.height}"


def frame_rate(fps: float | None) -> str:
    return f"{fps:g} fps" if fps else "unknown"


def problem(code: str | None) -> Problem | None:
    """The problem behind a code, with its plain words and next step."""
    return PROBLEMS.get(code or "")


def transport_name(value: str | None) -> str:
    return TRANSPORT_NAMES.get(value or "", TRANSPORT_NAMES["auto"])


def gigabytes(size: int | None) -> str:
    """Bytes as the number a person types into the "GB" field (no trailing zeros)."""
    return f"{size / BYTES_PER_GB:g}" if size else ""


CAMERA_FILTERS: Mapping[str, Callable[..., Any]] = {
    "codec_name": codec_name,
    "resolution": resolution,
    "frame_rate": frame_rate,
    "gigabytes": gigabytes,
    "problem": problem,
    "transport_name": transport_name,
}

# Icons of the camera pages, 24x24 stroke drawings (paths only: no inline styles).
ICON_PATHS: Mapping[str, str] = {
    "plus": "M12 5v14 M5 12h14",
    "back": "M19 12H5 M12 19l-7-7 7-7",
    "fullscreen": "M8 3H5a2 2 0 0 0-2 2v3 M21 8V5a2 2 0 0 0-2-2h-3 M3 16v3a2 2 0 0 0 2 2h3 "
    "M16 21h3a2 2 0 0 0 2-2v-3",
    "snapshot": "M23 19a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h4l2-3h6l2 3h4a2 2 0 0 1 "
    "2 2z M12 17a4 4 0 1 0 0-8 4 4 0 0 0 0 8z",
    "history": "M3 12a9 9 0 1 0 3-6.7L3 8 M3 3v5h5 M12 7v5l3 3",
    "settings": "M4 21v-7 M4 10V3 M12 21v-9 M12 8V3 M20 21v-5 M20 12V3 M1 14h6 M9 8h6 M17 16h6",
    "play": "M7 4.5v15l12-7.5z",
    "pause": "M7 4h3v16H7z M14 4h3v16h-3z",
    "download": "M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4 M7 10l5 5 5-5 M12 15V3",
    "previous": "M15 18l-6-6 6-6",
    "next": "M9 18l6-6-6-6",
    "zoom-in": "M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16z M21 21l-4.3-4.3 M11 8v6 M8 11h6",
    "zoom-out": "M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16z M21 21l-4.3-4.3 M8 11h6",
    "qr": "M3 3h7v7H3z M14 3h7v7h-7z M3 14h7v7H3z M14 14h3v3h-3z M20 14v.01 M14 20h.01 "
    "M18 18h3v3h-3z",
    "photo": "M21 15l-5-5L5 21 M5 3h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 "
    "1 2-2z M8.5 10a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3z",
    "label": "M20.6 13.4l-7.2 7.2a2 2 0 0 1-2.8 0L2 12V2h10l8.6 8.6a2 2 0 0 1 0 2.8z M7 7h.01",
    "link": "M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.8 1.7 M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 "
    "0 0 0 7 7l1.7-1.7",
    "trash": "M3 6h18 M19 6l-1 14a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2L5 6 M10 11v6 M14 11v6 M9 6V4a1 "
    "1 0 0 1 1-1h4a1 1 0 0 1 1 1v2",
    "offline": "M16 16v1a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2h2 M10.7 5H14a2 2 0 0 1 2 "
    "2v3.3l1 1L23 7v10 M1 1l22 22",
}
