"""The notify API's shapes (the web pages for settings, history and push are built on them)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from hearthwatch.accounts.schemas import Strict
from hearthwatch.notify.models import Delivery, MqttTarget, Notification, Webhook
from hearthwatch.notify.preferences import MAX_COOLDOWN_S, Preferences, QuietHours

ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
CameraKey = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


class Channels(Strict):
    push: bool = True
    email: bool = True
    webhook: bool = True
    mqtt: bool = True


class QuietHoursIn(Strict):
    start: ClockTime
    end: ClockTime


class PreferencesBody(Strict):
    """GET answers it, PUT takes it whole."""

    channels: Channels = Field(default_factory=Channels)
    images: bool = True
    quiet_hours: QuietHoursIn | None = None
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"
    cooldown_seconds: Annotated[int, Field(ge=0, le=MAX_COOLDOWN_S)] = 60
    cameras: dict[CameraKey, Channels] = Field(default_factory=dict, max_length=500)

    def to_preferences(self) -> Preferences:
        quiet = self.quiet_hours
        return Preferences(
            channels=self.channels.model_dump(), images=self.images,
            quiet_hours=QuietHours(quiet.start, quiet.end) if quiet else None,
            timezone=self.timezone, cooldown_seconds=self.cooldown_seconds,
            cameras={k: v.model_dump() for k, v in self.cameras.items()},
        )  # fmt: skip

    @classmethod
    def of(cls, prefs: Preferences) -> PreferencesBody:
        quiet = prefs.quiet_hours
        return cls(
            channels=Channels(**prefs.channels), images=prefs.images,
            quiet_hours=QuietHoursIn(start=quiet.start, end=quiet.end) if quiet else None,
            timezone=prefs.timezone, cooldown_seconds=prefs.cooldown_seconds,
            cameras={k: Channels(**v) for k, v in prefs.cameras.items()},
        )  # fmt: skip


class PushKey(BaseModel):
    public_key: str


class PushKeys(Strict):
    p256dh: Annotated[str, Field(min_length=16, max_length=200)]
    auth: Annotated[str, Field(min_length=8, max_length=100)]


class PushSubscriptionIn(BaseModel):
    """The browser's PushSubscription.toJSON() (its `expirationTime` is read and ignored)."""

    endpoint: Annotated[str, Field(min_length=8, max_length=2048)]
    keys: PushKeys
    expirationTime: int | None = None  # noqa: N815 (the browser's name)


class PushSubscriptionPublic(BaseModel):
    id: str
    endpoint_host: str  # which push service (the full address is a secret of the browser)
    created_at: datetime


class WebhookIn(Strict):
    url: Annotated[str, Field(min_length=8, max_length=2048)]


class WebhookPublic(BaseModel):
    id: str
    url: str
    enabled: bool
    failures: int
    created_at: datetime

    @classmethod
    def of(cls, hook: Webhook) -> WebhookPublic:
        return cls(id=hook.id, url=hook.url, enabled=hook.enabled, failures=hook.failures,
                   created_at=hook.created_at)  # fmt: skip


class WebhookMade(WebhookPublic):
    secret: str  # shown this once


class MqttIn(Strict):
    url: Annotated[str, Field(min_length=8, max_length=2048)]
    topic: Annotated[str, Field(min_length=1, max_length=200)]
    username: Annotated[str, Field(max_length=200)] | None = None
    # Write-only: never answered back; left out (null) keeps the stored one.
    password: Annotated[str, Field(max_length=500)] | None = None


class MqttPublic(BaseModel):
    url: str
    topic: str
    username: str | None
    password_set: bool

    @classmethod
    def of(cls, broker: MqttTarget) -> MqttPublic:
        return cls(url=broker.url, topic=broker.topic, username=broker.username,
                   password_set=broker.password is not None)  # fmt: skip


class DeliveryPublic(BaseModel):
    channel: str
    status: str
    attempts: int
    error: str | None
    sent_at: datetime | None

    @classmethod
    def of(cls, row: Delivery) -> DeliveryPublic:
        return cls(channel=row.channel, status=row.status, attempts=row.attempts,
                   error=row.error, sent_at=row.sent_at)  # fmt: skip


class HistoryItem(BaseModel):
    id: str
    kind: str
    title: str
    camera_id: str | None
    event_id: str | None
    created_at: datetime
    suppressed_reason: str | None
    deliveries: list[DeliveryPublic]

    @classmethod
    def of(cls, row: Notification, deliveries: list[Delivery]) -> HistoryItem:
        return cls(
            id=row.id, kind=row.kind, title=row.title, camera_id=row.camera_id,
            event_id=row.event_id, created_at=row.created_at,
            suppressed_reason=row.suppressed_reason,
            deliveries=[DeliveryPublic.of(d) for d in deliveries],
        )  # fmt: skip


class HistoryPage(BaseModel):
    items: list[HistoryItem]
    next_cursor: str | None
