"""Notices: messages from the service itself, which no one can unsubscribe from.

- service announcements (maintenance): to every confirmed account, by e-mail and push;
  refused if they carry a promotion (P50);
- breach notices (P41): to each person affected, saying what happened, the likely
  consequences, what was done and what they can do (`kinds.BreachFacts`); the incidents
  work calls `send_breach_notice`;
- a channel switched off (a webhook that kept failing): its owner is told.

Each goes to the user's history with its delivery per channel. They are sent at once, in
the caller's transaction, with no retry (the mail transport queues and retries itself).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.mail.links import public_link
from hearthwatch.notify import kinds
from hearthwatch.notify.channels import DeliveryFailed
from hearthwatch.notify.channels import push as push_channel
from hearthwatch.notify.history import Planned, record
from hearthwatch.notify.kinds import BreachFacts, MessageKind
from hearthwatch.notify.models import FAILED, SENT, Delivery, PushSubscription, Webhook
from hearthwatch.notify.targets import TargetForbidden, TargetInvalid

SETTINGS_PAGE = "/settings/notifications"  # the web app's pages (web/notify_pages.py)
HISTORY_PAGE = "/settings/notifications/history"
BREACH_SUBJECT = "Important: a security incident affecting your Hearthwatch data"


def send_notice(
    ctx: AppContext, db: Session, kind: MessageKind, user: User, *, subject: str, body: str
) -> str:
    """Send a notice of `kind` to `user` by e-mail and to their browsers; its history id."""
    kinds.check_content(kind, subject, body)
    subscriptions = list(db.scalars(select(PushSubscription).where(
        PushSubscription.user_id == user.id)))  # fmt: skip
    planned = [Planned(kinds.EMAIL)] + [Planned(kinds.PUSH, s.id) for s in subscriptions]
    notification, deliveries = record(
        db, user_id=user.id, kind=kind.name, title=subject, now=ctx.clock.now(),
        deliveries=planned,
    )  # fmt: skip
    for delivery in deliveries:
        _deliver(ctx, db, delivery, kind, user, subject, body, subscriptions)
    return notification.id


def _deliver(
    ctx: AppContext, db: Session, delivery: Delivery, kind: MessageKind, user: User,
    subject: str, body: str, subscriptions: list[PushSubscription],
) -> None:  # fmt: skip
    delivery.attempts = 1
    try:
        if delivery.channel == kinds.EMAIL:
            ctx.mailer.send(kinds.compose_mail(kind, to=user.email, subject=subject, body=body))
        else:
            (subscription,) = [s for s in subscriptions if s.id == delivery.target_id]
            data = {"kind": kind.name, "title": subject, "body": body[:500],
                    "url": public_link(ctx.settings, HISTORY_PAGE)}  # fmt: skip
            push_channel.push(ctx, subscription, json.dumps(data), urgency="normal")
    except (DeliveryFailed, OSError, TargetInvalid, TargetForbidden) as err:
        delivery.status, delivery.error = FAILED, _reason(err)
        return
    delivery.status, delivery.sent_at = SENT, ctx.clock.now()


def _reason(err: Exception) -> str:
    return err.reason if isinstance(err, DeliveryFailed) else type(err).__name__


def send_announcement(ctx: AppContext, db: Session, *, subject: str, body: str) -> int:
    """A service announcement (maintenance) to every confirmed account, whatever their
    choices (P50: cannot be unsubscribed); refused whole if it carries a promotion."""
    kinds.check_content(kinds.SERVICE_ANNOUNCEMENT, subject, body)
    users = db.scalars(select(User).where(User.email_confirmed_at.is_not(None)))
    sent = 0
    for user in users:
        send_notice(ctx, db, kinds.SERVICE_ANNOUNCEMENT, user, subject=subject, body=body)
        sent += 1
    return sent


def send_breach_notice(
    ctx: AppContext, db: Session, *, user_ids: Iterable[str], facts: BreachFacts
) -> int:
    """Tell each person affected by a breach what P41 says they must learn; how many."""
    told = 0
    for user_id in user_ids:
        user = db.get(User, user_id)
        if user is not None:
            text = f"We are writing about a security incident.\n\n{facts.text()}"
            send_notice(ctx, db, kinds.BREACH_NOTICE, user, subject=BREACH_SUBJECT, body=text)
            told += 1
    return told


def webhook_switched_off(ctx: AppContext, db: Session, hook: Webhook) -> None:
    """Tell a webhook's owner it was switched off after failing again and again."""
    user = db.get(User, hook.user_id)
    if user is None:
        return
    body = (
        "One of your Hearthwatch webhooks failed every attempt to deliver your alerts "
        f"{hook.failures} times in a row, so we switched it off. Alerts still reach your other "
        "channels. Check that the receiving service is up, then turn the webhook back on "
        f"under notification settings: {public_link(ctx.settings, SETTINGS_PAGE)}\n"
    )
    send_notice(ctx, db, kinds.CHANNEL_OFF, user, subject="A webhook was switched off", body=body)
