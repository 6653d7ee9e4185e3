"""In-process throttles: a sliding window per client address, and growing delays per key.

`Throttle` blunts one address hammering the service. `BackOff` slows password guessing
per (account, client address) pair: after a few free failures each further one doubles
the wait, up to a cap. Keying on the pair means an attacker's failures slow the attacker
only; the owner signing in from another address is not held up (issue 11, item 12), and
can always sign in with a mailed code (`accounts.signin_code`). Per-process state: with
several nodes an attacker gets the budget of each, which the cap keeps small.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

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


@dataclass
class _Failures:
    count: int
    last_at: datetime
    blocked_until: datetime


class BackOff:
    """Growing delays per key: `free` failures cost nothing, then each one doubles the wait
    (from `first_s`, capped at `cap_s`). A key that stays quiet for `forget_after` (default:
    twice the cap) starts afresh; a success forgets it at once."""

    def __init__(
        self,
        *,
        free: int = 5,
        first_s: float = 1.0,
        cap_s: float = 900.0,
        forget_after: timedelta | None = None,
        max_keys: int = 100_000,
    ) -> None:
        self.free, self.first_s, self.cap_s = free, first_s, cap_s
        self.forget_after = forget_after or timedelta(seconds=2 * cap_s)
        self.max_keys = max_keys
        self._keys: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def check(self, key: str, now: datetime, *, message: str, code: str) -> None:
        """Raise `RateLimited` while `key` must wait; `{wait}` in `message` says how long."""
        with self._lock:
            failures = self._current(key, now)
            if failures is None or failures.blocked_until <= now:
                return
            wait = max(1, math.ceil((failures.blocked_until - now).total_seconds()))
        said = f"{wait} second" if wait == 1 else f"{wait} seconds"
        raise RateLimited(message.format(wait=said), retry_after_s=wait, code=code)

    def fail(self, key: str, now: datetime) -> None:
        """Count one failure for `key` and set how long it waits before the next try."""
        with self._lock:
            failures = self._current(key, now) or _Failures(0, now, now)
            failures.count += 1
            failures.last_at = now
            over = failures.count - self.free
            if over > 0:
                delay = min(self.cap_s, self.first_s * 2 ** min(over - 1, 32))
                failures.blocked_until = now + timedelta(seconds=delay)
            self._keys[key] = failures
            if len(self._keys) > self.max_keys:
                self._keys.pop(next(iter(self._keys)))

    def succeed(self, key: str) -> None:
        with self._lock:
            self._keys.pop(key, None)

    def _current(self, key: str, now: datetime) -> _Failures | None:
        failures = self._keys.get(key)
        if failures is not None and now - failures.last_at >= self.forget_after:
            del self._keys[key]
            return None
        return failures

    def reset(self) -> None:
        with self._lock:
            self._keys.clear()
