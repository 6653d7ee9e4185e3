"""In-process sliding-window throttle for sign-in and code attempts per client address.

Per-account lock-out lives in the database (it must hold across nodes); this throttle only
blunts one address hammering the service, so per-process state is enough.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from hearthwatch.errors import RateLimited


class Throttle:
    def __init__(self, *, limit: int, window_s: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, *, code: str = "request.rate_limited") -> None:
        """Count one attempt for `key`; raise `RateLimited` once the window is full."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                retry = max(1, math.ceil(hits[0] + self.window_s - now))
                raise RateLimited(
                    f"Too many attempts from your address. Try again in {retry} seconds.",
                    retry_after_s=retry,
                    code=code,
                )
            hits.append(now)
            if len(self._hits) > self.max_keys:
                self._hits.pop(next(iter(self._hits)))

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
