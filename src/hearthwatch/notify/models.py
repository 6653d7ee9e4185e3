"""Storage models of notifications: each user's choices, their channels, and what was sent.

Addresses a user gives us for their alerts (a browser's push endpoint and keys, a webhook's
address and secret, their MQTT broker and its password) are sealed with the account's data
key (P38): erasing the account shreds them in every copy. The history keeps one row per
alert (`Notification`, with why it was held back, if it was) and one per channel it went
out on (`Delivery`), so the user sees what reached them and what did not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hearthwatch.db.base import Base, UTCDateTime, new_id
from hearthwatch.security.sealed_columns import Sealed

DEFAULT_COOLDOWN_S = 60
# Delivery states, as the history shows them.
SENT = "sent"
FAILED = "failed"
RETRYING = "retrying"
DISABLED = "disabled"  # the channel was switched off after repeated failure
SKIPPED = "skipped"  # nothing to send to (no subscription), or the target is gone
DELIVERY_STATES = (SENT, FAILED, RETRYING, DISABLED, SKIPPED)


class NotifyPreferences(Base):
    """One user's choices for alerts (a user without a row has the defaults)."""

    __tablename__ = "notify_preferences"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    push: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
    webhook: Mapped[bool] = mapped_column(Boolean, default=True)
    mqtt: Mapped[bool] = mapped_column(Boolean, default=True)
    images: Mapped[bool] = mapped_column(Boolean, default=True)  # P15
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # "HH:MM", local time
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    cooldown_seconds: Mapped[int] = mapped_column(Integer, default=DEFAULT_COOLDOWN_S)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CameraChannels(Base):
    """Per-camera override of which channels a camera's alerts use."""

    __tablename__ = "notify_camera_channels"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    camera_id: Mapped[str] = mapped_column(
        ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True
    )
    push: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
    webhook: Mapped[bool] = mapped_column(Boolean, default=True)
    mqtt: Mapped[bool] = mapped_column(Boolean, default=True)


class PushSubscription(Base):
    """A browser that turned push on: where its push service takes messages for it."""

    __tablename__ = "push_subscriptions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    _endpoint: Mapped[bytes] = mapped_column("endpoint", LargeBinary)
    _p256dh: Mapped[bytes] = mapped_column("p256dh", LargeBinary)
    _auth: Mapped[bytes] = mapped_column("auth", LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    endpoint = Sealed[str]("_endpoint", column="push_subscriptions.endpoint", owner="user_id")
    p256dh = Sealed[str]("_p256dh", column="push_subscriptions.p256dh", owner="user_id")
    auth = Sealed[str]("_auth", column="push_subscriptions.auth", owner="user_id")


class Webhook(Base):
    """An address the user's alerts are POSTed to, signed with a secret only they hold."""

    __tablename__ = "notify_webhooks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    _url: Mapped[bytes] = mapped_column("url", LargeBinary)
    _secret: Mapped[bytes] = mapped_column("secret", LargeBinary)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    url = Sealed[str]("_url", column="notify_webhooks.url", owner="user_id")
    secret = Sealed[str]("_secret", column="notify_webhooks.secret", owner="user_id")


class MqttTarget(Base):
    """The user's own MQTT broker (their Home Assistant, say) and the topic to publish to."""

    __tablename__ = "notify_mqtt"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    _url: Mapped[bytes] = mapped_column("url", LargeBinary)
    _username: Mapped[bytes | None] = mapped_column("username", LargeBinary)
    _password: Mapped[bytes | None] = mapped_column("password", LargeBinary)
    topic: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    url = Sealed[str]("_url", column="notify_mqtt.url", owner="user_id")
    username = Sealed[str | None]("_username", column="notify_mqtt.username", owner="user_id")
    password = Sealed[str | None]("_password", column="notify_mqtt.password", owner="user_id")


class Notification(Base):
    """One message meant for a user: an alert (sent or held back, and why) or a notice."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_created", "user_id", "created_at", "id"),
        Index("ix_notifications_cooldown", "user_id", "camera_id", "zone", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    camera_id: Mapped[str | None] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    event_id: Mapped[str | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    zone: Mapped[str] = mapped_column(String(32), default="")  # the cooldown's zone
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    suppressed_reason: Mapped[str | None] = mapped_column(String(32))


class Delivery(Base):
    """One notification on one channel (to one target: a browser, a webhook)."""

    __tablename__ = "notification_deliveries"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    notification_id: Mapped[str] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
