"""Wall-clock time in one place, so timers and expiries can be tested with frozen time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta


class Clock:
    """Returns aware UTC times; tests may freeze or advance it."""

    def __init__(self) -> None:
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        return self._frozen if self._frozen is not None else datetime.now(UTC)

    @contextmanager
    def frozen(self, at: datetime | None = None) -> Iterator[Clock]:
        previous = self._frozen
        self._frozen = at or datetime.now(UTC)
        try:
            yield self
        finally:
            self._frozen = previous

    def advance(self, delta: timedelta) -> None:
        if self._frozen is None:
            raise RuntimeError("advance() needs a frozen clock")
        self._frozen += delta


clock = Clock()
