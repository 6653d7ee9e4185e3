"""Snapshots: a JPEG of the live picture (from the cached keyframe) or of any recorded moment."""

from __future__ import annotations

import threading

from hearthwatch.media import playback
from hearthwatch.media.live import LiveHub


class LiveSnapshots:
    """Decodes each keyframe at most once, however many snapshots are asked for."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[int, bytes]] = {}
        self._lock = threading.Lock()

    def latest(self, camera_id: str, hub: LiveHub) -> bytes | None:
        """JPEG of the newest keyframe (at most one GOP old), or None before the first one."""
        init, gop = hub.init, list(hub.gop)
        if init is None or not gop:
            return None
        key = gop[0]
        with self._lock:
            cached = self._cache.get(camera_id)
            if cached is not None and cached[0] == key.decode_time:
                return cached[1]
        image = playback.jpeg(playback.decode_keyframe(init, key.sample.data))
        with self._lock:
            self._cache[camera_id] = (key.decode_time, image)
        return image
