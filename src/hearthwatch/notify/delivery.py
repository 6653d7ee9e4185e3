"""Sending one delivery (a notification on one channel), and trying it again with back-off.

The first attempt is made at once by the dispatcher's thread (an alert must reach a phone
within a second of the motion). A failed attempt is handed to the job system
(`NOTIFY_DELIVER`, listed in jobs/catalog.py): its handler makes one more attempt, and a
failure again is retried after a doubling back-off, until `MAX_ATTEMPTS`. A delivery's row
says where it stands at every step (retrying, sent, failed, disabled, skipped).

A webhook that fails `DISABLE_AFTER` attempts in a row is switched off, and its owner told
(a mail and an entry in their history): it stops costing them retries and us connections
until they turn it back on.

What an attempt sends is built at that moment from the stored notification: a picture link
only if images are still on and the camera may still be shown (P15, P21, privacy mode).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.events.models import Event
from hearthwatch.jobs import queue
from hearthwatch.jobs.registry import JobKind, Payload
from hearthwatch.mail.links import public_link
from hearthwatch.notify import image_links, preferences
from hearthwatch.notify.channels import Alert, DeliveryFailed, email, mqtt, push, webhook
from hearthwatch.notify.kinds import EMAIL, MQTT, PUSH, WEBHOOK
from hearthwatch.notify.models import (
    DISABLED,
    FAILED,
    RETRYING,
    SENT,
    Delivery,
    Notification,
    Webhook,
)

log = logging.getLogger("hearthwatch.notify")

MAX_ATTEMPTS = 6
DISABLE_AFTER = 5  # webhook attempts failed in a row
ERROR_CHARS = 300
Sender = Callable[[AppContext, Session, Alert, str | None], None]
SENDERS: dict[str, Sender] = {
    PUSH: push.send, EMAIL: email.send, WEBHOOK: webhook.send, MQTT: mqtt.send,
}  # fmt: skip
# Told when a webhook is switched off; set by notify/notices.py (which sends through here).
WebhookOff = Callable[[AppContext, Session, Webhook], None]


def alert_of(ctx: AppContext, db: Session, notification: Notification) -> Alert:
    """What the channels send for `notification`, as of now."""
    now = ctx.clock.now()
    prefs = preferences.load(db, notification.user_id)
    local = notification.created_at.astimezone(ZoneInfo(prefs.timezone))
    image = None
    event = db.get(Event, notification.event_id) if notification.event_id else None
    if event is not None and image_links.image_allowed(db, event, now=now):
        image = image_links.image_url(ctx, event_id=event.id, user_id=notification.user_id, now=now)
    return Alert(
        notification_id=notification.id, user_id=notification.user_id, kind=notification.kind,
        title=notification.title, body=f"{notification.title} at {local:%H:%M} ({prefs.timezone}).",
        url=public_link(ctx.settings, "/events"), event_id=notification.event_id,
        camera_id=notification.camera_id, image_url=image,
        created_at=notification.created_at.isoformat(),
    )  # fmt: skip


def attempt(ctx: AppContext, delivery_id: str, *, on_webhook_off: WebhookOff) -> str | None:
    """Make one attempt at a delivery still to be made; returns its state after it."""
    with ctx.db.session() as db:
        delivery = db.get(Delivery, delivery_id)
        if delivery is None or delivery.status != RETRYING:
            return None if delivery is None else delivery.status
        notification = db.get(Notification, delivery.notification_id)
        assert notification is not None  # the delivery cascades with it
        delivery.attempts += 1
        try:
            SENDERS[delivery.channel](ctx, db, alert_of(ctx, db, notification), delivery.target_id)
        except DeliveryFailed as err:
            _failed(ctx, db, delivery, err, on_webhook_off)
        else:
            _sent(db, delivery, ctx.clock.now())
        return delivery.status


def _sent(db: Session, delivery: Delivery, now: datetime) -> None:
    delivery.status, delivery.sent_at, delivery.error = SENT, now, None
    if delivery.channel == WEBHOOK and delivery.target_id:
        db.execute(update(Webhook).where(Webhook.id == delivery.target_id).values(failures=0))


def _failed(
    ctx: AppContext, db: Session, delivery: Delivery, err: DeliveryFailed, on_off: WebhookOff
) -> None:
    delivery.error = err.reason[:ERROR_CHARS]
    last = err.permanent or delivery.attempts >= MAX_ATTEMPTS
    delivery.status = FAILED if last else RETRYING
    log.info("delivery failed", extra={"channel": delivery.channel, "reason": err.reason})
    hook = db.get(Webhook, delivery.target_id) if delivery.channel == WEBHOOK else None
    if hook is None or not hook.enabled:
        return
    hook.failures += 1
    if hook.failures >= DISABLE_AFTER:
        hook.enabled = False
        delivery.status = DISABLED
        on_off(ctx, db, hook)


def retry_later(db: Session, delivery: Delivery, *, now: datetime, wait: timedelta) -> None:
    """Queue the delivery's next attempt (in `db`'s transaction)."""
    queue.enqueue(
        db, NOTIFY_DELIVER, {"delivery_id": delivery.id}, now=now, run_after=now + wait,
        dedupe_key=f"notify.deliver:{delivery.id}",
    )  # fmt: skip


class StillRetrying(RuntimeError):
    """The attempt failed and another will follow: the job queue waits, then runs it again."""


def _deliver_job(ctx: AppContext, payload: Payload) -> None:
    from hearthwatch.notify.notices import webhook_switched_off

    state = attempt(ctx, str(payload["delivery_id"]), on_webhook_off=webhook_switched_off)
    if state == RETRYING:
        raise StillRetrying("the delivery failed; it is tried again after a back-off")


NOTIFY_DELIVER = JobKind(
    "notify.deliver", _deliver_job, max_attempts=MAX_ATTEMPTS, backoff=timedelta(seconds=10),
    max_backoff=timedelta(minutes=10), lease=timedelta(seconds=60),
)  # fmt: skip
