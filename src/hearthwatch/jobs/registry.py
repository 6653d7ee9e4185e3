"""What background work there is: periodic jobs and kinds of queued job, declared as data.

A feature plugs in by declaring a `Job` (run every `interval`) or a `JobKind` (run once per
`enqueue`) beside its handler and listing it in `jobs/catalog.py`; the runner is handed a
`Registry` of handlers by kind name (the catalogue's, or a test's own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hearthwatch.context import AppContext

Payload = Mapping[str, Any]


@dataclass(frozen=True)
class Job:
    """A periodic job: `run` every `interval`, by one node at a time."""

    name: str
    interval: timedelta
    run: Callable[[AppContext], object]
    lease: timedelta = timedelta(minutes=30)  # longer than one run can take


@dataclass(frozen=True)
class JobKind:
    """A kind of queued job: its handler and how hard to try.

    A failed attempt is tried again after `backoff`, doubling each time up to
    `max_backoff`; after `max_attempts` attempts the job is "failed". The lease is renewed
    every third of `lease` while the handler runs, so a job outlives its lease only when its
    runner died or hung, and then another runner takes it over.
    """

    name: str
    run: Callable[[AppContext, Payload], object]
    max_attempts: int = 5
    backoff: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=2)

    def delay(self, attempts: int) -> timedelta:
        """The wait before attempt `attempts + 1`, after `attempts` failed ones."""
        doubled: timedelta = self.backoff * 2 ** max(attempts - 1, 0)
        return min(doubled, self.max_backoff)


class UnknownJobKind(LookupError):
    """A queued job names a kind this runner has no handler for."""


class Registry:
    """Handlers of queued jobs by kind name."""

    def __init__(self, kinds: Iterable[JobKind]) -> None:
        self._kinds: dict[str, JobKind] = {}
        for kind in kinds:
            self.register(kind)

    def register(self, kind: JobKind) -> None:
        if kind.name in self._kinds:
            raise ValueError(f"job kind {kind.name!r} is registered twice")
        self._kinds[kind.name] = kind

    def get(self, name: str) -> JobKind:
        try:
            return self._kinds[name]
        except KeyError:
            raise UnknownJobKind(name) from None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._kinds)
