"""First-party page-view counting, only with analytics consent (P29), only totals (P44).

A page view adds one to the count of its day and site section; the first view of a visit
(no `hw_visit` cookie yet) also adds one visit. Nothing else is kept: no address, no
browser, no person, no full path (a path can hold a camera id), no referrer.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.privacy.consent.cookies import CookieState
from hearthwatch.privacy.consent.models import PageViewCount
from hearthwatch.privacy.datamap.uses import PRODUCT_ANALYTICS
from hearthwatch.privacy.limits import service as limits

SECTIONS = frozenset(
    {"home", "cameras", "profile", "sessions", "security", "privacy", "signin", "signup"}
    | {"confirm", "reset", "outbox"}
)


def section_of(path: str) -> str:
    """The site section of a page path: its first segment if known, else "other"."""
    first = path.strip("/").split("/", 1)[0]
    if not first:
        return "home"
    return first if first in SECTIONS else "other"


def counts_views(db: Session, state: CookieState, *, user_id: str | None, at: datetime) -> bool:
    """Whether a page view may be counted now: analytics cookies allowed and, for a
    signed-in person, no objection or restriction to product analytics (which outweighs
    the browser's cookie choice)."""
    if not state.allows("analytics"):
        return False
    return user_id is None or limits.processing_allowed(
        db, user_id=user_id, use=PRODUCT_ANALYTICS, at=at
    )


def count_page_view(db: Session, *, day: date, section: str, new_visit: bool) -> None:
    """Add one view (and a visit) to the day's total for the section."""
    # The dialect's own insert (for ON CONFLICT), imported on first use: the PostgreSQL
    # package loads the dialects of all its drivers, some 30 ms of a SQLite server's start.
    name = "postgresql" if db.get_bind().dialect.name == "postgresql" else "sqlite"
    dialect: Any = importlib.import_module(f"sqlalchemy.dialects.{name}")
    visits = 1 if new_visit else 0
    statement = dialect.insert(PageViewCount).values(
        day=day, section=section, views=1, visits=visits
    )
    db.execute(
        statement.on_conflict_do_update(
            index_elements=[PageViewCount.day, PageViewCount.section],
            set_={
                "views": PageViewCount.views + 1,
                "visits": PageViewCount.visits + visits,
            },
        )
    )


@dataclass(frozen=True)
class DailyCount:
    day: date
    section: str
    views: int
    visits: int


def totals(db: Session) -> list[DailyCount]:
    rows = db.scalars(select(PageViewCount).order_by(PageViewCount.day, PageViewCount.section))
    return [DailyCount(r.day, r.section, r.views, r.visits) for r in rows]
