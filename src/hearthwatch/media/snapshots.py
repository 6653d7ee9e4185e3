"""Snapshots: a JPEG of the live picture (from the cached keyframe) or of any recorded moment,
with the camera's privacy masks blacked out (media/masks.py)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from hearthwatch.media import playback
from hearthwatch.media.live import LiveHub
from hearthwatch.media.masks import Polygon


class LiveSnapshots:
    """Decodes each keyframe at most once, however many snapshots are asked for."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[int, tuple[Polygon, ...], bytes]] = {}
        self._lock = threading.Lock()

    def latest(self, camera_id: str, hub: LiveHub, masks: Sequence[Polygon] = ()) -> bytes | None:
        """JPEG of the newest keyframe (at most one GOP old), or None before the first one;
        `masks` blacked out (a change of the masks makes a new picture at once)."""
        init, gop = hub.init, list(hub.gop)
        if init is None or not gop:
            return None
        key, shapes = gop[0], tuple(masks)
        with self._lock:
            cached = self._cache.get(camera_id)
            if cached is not None and cached[:2] == (key.decode_time, shapes):
                return cached[2]
        image = playback.jpeg(playback.decode_keyframe(init, key.sample.data), masks=shapes)
        with self._lock:
            self._cache[camera_id] = (key.decode_time, shapes, image)
        return image
