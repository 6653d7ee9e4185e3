"""Where a user's alerts go besides their e-mail: browsers with push on, webhooks, their MQTT
broker. Each address is checked against the outbound policy when stored (notify/targets.py)
and again at every send; secrets (a webhook's signing secret, the broker's password) are
sealed (P38) and a webhook's secret is shown once, when it is made.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.errors import Conflict, ValidationFailed
from hearthwatch.notify import targets
from hearthwatch.notify.models import MqttTarget, PushSubscription, Webhook
from hearthwatch.settings import Settings

MAX_SUBSCRIPTIONS = 20  # browsers per account
MAX_WEBHOOKS = 10
TOPIC_CHARS = 200


def _b64url_bytes(value: str, *, name: str, size: int | None = None) -> None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as err:
        raise ValidationFailed(
            f"{name} is not base64url.", code="notify.push_keys_invalid"
        ) from err
    if (size is not None and len(raw) != size) or (size is None and not 8 <= len(raw) <= 64):
        raise ValidationFailed(f"{name} has the wrong length.", code="notify.push_keys_invalid")


# --- push ---


def subscribe(
    db: Session, settings: Settings, *, user_id: str, endpoint: str, p256dh: str, auth: str,
    now: datetime,
) -> PushSubscription:  # fmt: skip
    """Store a browser's PushSubscription (the same endpoint again replaces the old one)."""
    targets.check(targets.parse(endpoint, schemes=targets.WEB, settings=settings), settings)
    _b64url_bytes(p256dh, name="keys.p256dh", size=65)  # an uncompressed P-256 point
    _b64url_bytes(auth, name="keys.auth")
    existing = subscriptions_of(db, user_id)
    for old in existing:
        if old.endpoint == endpoint:
            db.delete(old)
    if len([s for s in existing if s.endpoint != endpoint]) >= MAX_SUBSCRIPTIONS:
        raise Conflict("Too many browsers have push on; turn it off on one first.",
                       code="notify.too_many_subscriptions")  # fmt: skip
    made = PushSubscription(user_id=user_id, endpoint=endpoint, p256dh=p256dh, auth=auth,
                            created_at=now)  # fmt: skip
    db.add(made)
    db.flush()
    return made


def subscriptions_of(db: Session, user_id: str) -> list[PushSubscription]:
    query = select(PushSubscription).where(PushSubscription.user_id == user_id)
    return list(db.scalars(query.order_by(PushSubscription.created_at, PushSubscription.id)))


# --- webhooks ---


@dataclass(frozen=True)
class NewWebhook:
    webhook: Webhook
    secret: str  # shown once


def add_webhook(
    db: Session, settings: Settings, *, user_id: str, url: str, now: datetime
) -> NewWebhook:
    """Store a webhook with a new signing secret."""
    targets.check(targets.parse(url, schemes=targets.WEB, settings=settings), settings)
    if len(webhooks_of(db, user_id)) >= MAX_WEBHOOKS:
        raise Conflict(f"At most {MAX_WEBHOOKS} webhooks.", code="notify.too_many_webhooks")
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    hook = Webhook(
        user_id=user_id, url=url, secret=secret, enabled=True, failures=0, created_at=now
    )
    db.add(hook)
    db.flush()
    return NewWebhook(hook, secret)


def webhooks_of(db: Session, user_id: str) -> list[Webhook]:
    query = select(Webhook).where(Webhook.user_id == user_id)
    return list(db.scalars(query.order_by(Webhook.created_at, Webhook.id)))


def enable_webhook(hook: Webhook) -> Webhook:
    """Turn a webhook switched off after failures back on, with a clean count."""
    hook.enabled, hook.failures = True, 0
    return hook


# --- MQTT ---


@dataclass(frozen=True)
class BrokerSettings:
    url: str
    topic: str
    username: str | None = None
    password: str | None = None  # None keeps the stored one


def set_broker(
    db: Session, settings: Settings, *, user_id: str, given: BrokerSettings, now: datetime
) -> MqttTarget:
    """Store the user's broker (checked against the outbound policy) and topic."""
    targets.check(targets.parse(given.url, schemes=targets.MQTT, settings=settings), settings)
    topic = given.topic.strip()
    if not topic or len(topic) > TOPIC_CHARS or any(c in topic for c in "#+\x00"):
        raise ValidationFailed("The topic is a plain MQTT topic (no wildcards).",
                               code="notify.topic_invalid")  # fmt: skip
    broker = db.get(MqttTarget, user_id) or MqttTarget(user_id=user_id)
    broker.url, broker.topic, broker.username = given.url, topic, given.username or None
    if given.password is not None or broker.username is None:
        broker.password = given.password or None
    broker.updated_at = now
    db.add(broker)
    db.flush()
    return broker
