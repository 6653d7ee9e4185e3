"""The notification history: every alert meant for a user, sent or held back (and why), with
its delivery on each channel; and the notices (announcements, policy changes, breaches).

Pages run newest first by (`created_at`, `id`) on an index; the cursor is the last row's
pair, so a page never repeats or skips a row however many arrive meanwhile.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hearthwatch.errors import ValidationFailed
from hearthwatch.notify.models import RETRYING, SKIPPED, Delivery, Notification

PAGE = 50
# Why an alert was held back.
QUIET_HOURS = "quiet_hours"
COOLDOWN = "cooldown"
DISARMED = "disarmed"  # the camera does not alert in its home's arming mode
NO_CHANNEL = "no_channel"  # every channel is off for this camera


@dataclass(frozen=True)
class Planned:
    """A delivery to make: a channel, and the target on it (a browser, a webhook)."""

    channel: str
    target_id: str | None = None
    skipped_because: str | None = None  # nothing to send to: recorded as skipped


def record(
    db: Session,
    *,
    user_id: str,
    kind: str,
    title: str,
    now: datetime,
    camera_id: str | None = None,
    event_id: str | None = None,
    zone: str = "",
    suppressed_reason: str | None = None,
    deliveries: Iterable[Planned] = (),
) -> tuple[Notification, list[Delivery]]:
    """Add a notification and one delivery row per planned delivery (not yet attempted)."""
    notification = Notification(
        user_id=user_id, kind=kind, title=title[:200], camera_id=camera_id, event_id=event_id,
        zone=zone[:32], created_at=now, suppressed_reason=suppressed_reason,
    )  # fmt: skip
    db.add(notification)
    db.flush()
    rows = [
        Delivery(
            notification_id=notification.id,
            channel=p.channel,
            target_id=p.target_id,
            status=SKIPPED if p.skipped_because else RETRYING,
            attempts=0,
            error=p.skipped_because,
        )
        for p in deliveries
    ]
    db.add_all(rows)
    db.flush()
    return notification, rows


def in_cooldown(
    db: Session, *, user_id: str, camera_id: str, zone: str, now: datetime, seconds: int
) -> bool:
    """Whether an alert for this camera and zone went out within the last `seconds`."""
    if seconds <= 0:
        return False
    query = select(Notification.id).where(
        Notification.user_id == user_id,
        Notification.camera_id == camera_id,
        Notification.zone == zone,
        Notification.created_at > now - timedelta(seconds=seconds),
        Notification.suppressed_reason.is_(None),
    )
    return db.scalars(query.limit(1)).first() is not None


@dataclass(frozen=True)
class HistoryPage:
    items: list[tuple[Notification, list[Delivery]]]
    next_cursor: str | None


def page(db: Session, *, user_id: str, cursor: str | None, limit: int = PAGE) -> HistoryPage:
    """One page of the user's history, newest first."""
    query = select(Notification).where(Notification.user_id == user_id)
    if cursor:
        at, last_id = _decode(cursor)
        query = query.where(
            or_(
                Notification.created_at < at,
                and_(Notification.created_at == at, Notification.id < last_id),
            )
        )
    order = (Notification.created_at.desc(), Notification.id.desc())
    rows = list(db.scalars(query.order_by(*order).limit(limit + 1)))
    more, rows = len(rows) > limit, rows[:limit]
    deliveries = _deliveries_of(db, [n.id for n in rows])
    items = [(n, deliveries.get(n.id, [])) for n in rows]
    return HistoryPage(items, _encode(rows[-1]) if more else None)


def _deliveries_of(db: Session, ids: list[str]) -> dict[str, list[Delivery]]:
    found: dict[str, list[Delivery]] = {}
    if not ids:
        return found
    query = select(Delivery).where(Delivery.notification_id.in_(ids))
    for delivery in db.scalars(query.order_by(Delivery.channel, Delivery.id)):
        found.setdefault(delivery.notification_id, []).append(delivery)
    return found


def _encode(last: Notification) -> str:
    text = f"{last.created_at.isoformat()}|{last.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, last_id = text.split("|")
        return datetime.fromisoformat(at), last_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as err:
        raise ValidationFailed("The cursor is not valid.", code="notify.cursor_invalid") from err
