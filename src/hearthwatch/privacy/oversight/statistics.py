"""Usage statistics that leave the service only in aggregate (issue 4 item 16).

Only people who consented to product analytics and have not objected to it or restricted
it (P21, P22, P24) are counted, checked when the figures are made. Every figure splits the
same people into groups and gives the count of each; a group smaller than the minimum size
k (`stats_min_group`, default 10) is suppressed, and so is the total when it is below k.
Nothing but these counts ever leaves: no ids, no names, no times finer than a month.

Suppressing the small groups alone is not enough, since the total is published: with one
group hidden, the total minus the visible groups *is* the hidden count. So a figure with a
small group also hides its smallest large group, and every other group of that same size
(complementary suppression, `protected_groups`). The reader then learns only the sum of the
hidden groups, and:

- at least two groups are hidden, so no single one follows from the total by subtraction;
- their sum is at least k (it includes a large group): the sum is itself a figure, and two
  hidden groups summing to 3 would say "three people are here", exactly what k forbids;
- their sum is more than the number of hidden groups (a large group holds k >= 2): every
  listed group has somebody in it, so n people in n hidden groups would be one in each;
- a reader who knows this rule knows each small group is below k and each large hidden
  group smaller than every visible one. Hiding only small groups, or leaving visible a
  group as large as a hidden one, lets those bounds pin a count (two small groups summing
  to 2(k-1) hold k-1 each); with one large group hidden, and its equals, they do not (the
  tests check this by trying every distribution a reader could suspect).

When every group is small, the figure lists no groups at all, and with fewer than k people
counted in all no figure lists any. Figures share no cells (each is one split of the same
people), so their only common figure is the total and checking each on its own is enough.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import RECORDING_OFF, Camera
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.consent.service import allowed as consent_allowed
from hearthwatch.privacy.limits.service import processing_allowed

USE = "product_analytics"


@dataclass(frozen=True)
class Group:
    label: str
    count: int | None  # None: below the minimum group size, or hidden so one cannot be derived

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class Figure:
    name: str
    title: str
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class Report:
    made_at: datetime
    min_group: int
    people: int | None
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class _Person:
    user: User
    cameras: int
    recording_cameras: int


@dataclass(frozen=True)
class FigureSpec:
    name: str
    title: str
    group_of: Callable[[_Person], str]


def _camera_band(count: int) -> str:
    return "0" if count == 0 else "1" if count == 1 else "2-4" if count <= 4 else "5+"


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec("cameras_per_account", "Accounts by number of cameras",
               lambda p: _camera_band(p.cameras)),
    FigureSpec("recording", "Accounts recording with at least one camera",
               lambda p: "recording" if p.recording_cameras else "not recording"),
    FigureSpec("two_step_sign_in", "Accounts with two-step sign-in",
               lambda p: "on" if p.user.has_totp else "off"),
    FigureSpec("joined", "Accounts by month joined", lambda p: p.user.created_at.strftime("%Y-%m")),
)  # fmt: skip


def usage_statistics(ctx: AppContext, db: Session) -> Report:
    """The aggregate figures, with small groups suppressed; the run is audited."""
    now, k = ctx.clock.now(), ctx.settings.stats_min_group
    people = [p for p in _people(db) if _counted(db, p.user.id, now)]
    figures = tuple(
        Figure(spec.name, spec.title, _groups((spec.group_of(p) for p in people), k))
        for spec in FIGURES
    )
    total = len(people) if len(people) >= k else None
    audit.record(db, at=now, actor=audit.SYSTEM, action="statistics.made",
                 details={"min_group": k, "figures": [f.name for f in figures]})  # fmt: skip
    return Report(now, k, total, figures)


def _counted(db: Session, user_id: str, now: datetime) -> bool:
    return consent_allowed(db, user_id=user_id, purpose=USE) and processing_allowed(
        db, user_id=user_id, use=USE, at=now
    )


def _groups(labels: Iterable[str], k: int) -> tuple[Group, ...]:
    return protected_groups(Counter(labels), k)


def protected_groups(counts: Mapping[str, int], k: int) -> tuple[Group, ...]:
    """Each group's count, hiding groups below `k` and enough others that none can be derived."""
    if sum(counts.values()) < k:
        return ()  # the total is hidden too: even the names of the groups would say too much
    small = {label for label, n in counts.items() if n < k}
    large = [n for label, n in counts.items() if label not in small]
    if small and not large:
        return ()
    cover = min(large) if small else None  # the smallest large group, with its equals
    return tuple(
        Group(label, None if label in small or n == cover else n)
        for label, n in sorted(counts.items())
    )


def _people(db: Session) -> list[_Person]:
    per_owner = select(Camera.owner_id, func.count()).group_by(Camera.owner_id)
    cameras: dict[str, int] = {owner: n for owner, n in db.execute(per_owner)}
    recording_only = per_owner.where(Camera.recording_mode != RECORDING_OFF)
    recording: dict[str, int] = {owner: n for owner, n in db.execute(recording_only)}
    return [
        _Person(user, cameras.get(user.id, 0), recording.get(user.id, 0))
        for user in db.scalars(select(User).where(User.email_confirmed_at.is_not(None)))
    ]


def as_json(report: Report) -> dict[str, object]:
    return {
        "made_at": report.made_at.isoformat(),
        "min_group": report.min_group,
        "people": report.people,
        "figures": {
            f.name: {"title": f.title, "groups": {g.label: g.count for g in f.groups}}
            for f in report.figures
        },
    }
