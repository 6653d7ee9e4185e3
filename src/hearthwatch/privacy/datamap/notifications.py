"""Data map of notifications (issue 14): alert choices, channels and the history of alerts."""

from __future__ import annotations

from hearthwatch.privacy.datamap.types import (
    UNTIL_CLOSURE,
    Category,
    LegalBasis,
    PersonalField,
    Retention,
)

_C = LegalBasis.CONTRACT
_ID = Category.ONLINE_IDENTIFIERS
_KEY = Category.CREDENTIALS
_ALERTS = "sending the user's alerts"
# The history is kept as long as the events it tells of may be (at most 2 years).
_HISTORY_LIFE = Retention("as long as the events alerted, at most 2 years", 730, "sending")


def _choice(column: str, description: str) -> PersonalField:
    return PersonalField(
        "notify_preferences", column, description, Category.USAGE, _ALERTS, _C, UNTIL_CLOSURE
    )


def _sealed(table: str, column: str, description: str, category: Category) -> PersonalField:
    return PersonalField(
        table, column, description, category, _ALERTS, _C, UNTIL_CLOSURE, sealed=True,
        max_length=2048,
    )  # fmt: skip


_PREFERENCES = (
    _choice("push", "whether alerts go to the user's browsers"),
    _choice("email", "whether alerts go by e-mail"),
    _choice("webhook", "whether alerts go to the user's webhooks"),
    _choice("mqtt", "whether alerts go to the user's MQTT broker"),
    _choice("images", "whether alerts carry a picture from the camera"),
    _choice("quiet_start", "when the user's quiet hours start"),
    _choice("quiet_end", "when the user's quiet hours end"),
    _choice("timezone", "the user's time zone, for quiet hours"),
    _choice("cooldown_seconds", "how long after an alert the same zone stays quiet"),
)

_CHANNELS = (
    _sealed("push_subscriptions", "endpoint", "a browser's push address", _ID),
    _sealed("push_subscriptions", "p256dh", "a browser's push encryption key", _ID),
    _sealed("push_subscriptions", "auth", "a browser's push secret", _KEY),
    _sealed("notify_webhooks", "url", "the address of a user's webhook", _ID),
    _sealed("notify_webhooks", "secret", "the secret that signs a webhook's messages", _KEY),
    _sealed("notify_mqtt", "url", "the address of the user's MQTT broker", _ID),
    _sealed("notify_mqtt", "username", "the user name at the user's MQTT broker", _KEY),
    _sealed("notify_mqtt", "password", "the password at the user's MQTT broker", _KEY),
)


def _history(table: str, column: str, description: str) -> PersonalField:
    return PersonalField(table, column, description, Category.USAGE, _ALERTS, _C, _HISTORY_LIFE)


_HISTORY = (
    _history("notifications", "title", "what an alert or notice said"),
    _history("notifications", "created_at", "when an alert or notice was sent"),
    _history("notifications", "suppressed_reason", "why an alert was held back"),
    _history("notification_deliveries", "status", "whether a message reached a channel"),
    _history("notification_deliveries", "sent_at", "when a message reached a channel"),
)

NOTIFICATIONS_FIELDS: tuple[PersonalField, ...] = (
    *_PREFERENCES,
    PersonalField(
        "notify_camera_channels", "push", "which channels one camera's alerts use",
        Category.USAGE, _ALERTS, _C, UNTIL_CLOSURE,
    ),
    *_CHANNELS,
    PersonalField(
        "notify_mqtt", "topic", "the topic alerts are published to on the user's broker",
        Category.USAGE, _ALERTS, _C, UNTIL_CLOSURE,
    ),
    *_HISTORY,
)  # fmt: skip

NOTIFICATIONS_NON_PERSONAL: dict[str, str] = {
    "notify_preferences.user_id": "reference",
    "notify_preferences.updated_at": "time of a settings change",
    "notify_camera_channels.user_id": "reference",
    "notify_camera_channels.camera_id": "reference",
    "notify_camera_channels.email": "a switch (the row is personal through `push`)",
    "notify_camera_channels.webhook": "a switch (the row is personal through `push`)",
    "notify_camera_channels.mqtt": "a switch (the row is personal through `push`)",
    "push_subscriptions.id": "random identifier",
    "push_subscriptions.user_id": "reference",
    "push_subscriptions.created_at": "time a browser turned push on",
    "notify_webhooks.id": "random identifier",
    "notify_webhooks.user_id": "reference",
    "notify_webhooks.enabled": "a switch",
    "notify_webhooks.failures": "count of failed deliveries in a row",
    "notify_webhooks.created_at": "time a webhook was added",
    "notify_mqtt.user_id": "reference",
    "notify_mqtt.updated_at": "time of a settings change",
    "notifications.id": "random identifier",
    "notifications.user_id": "reference",
    "notifications.kind": "kind of message",
    "notifications.camera_id": "reference",
    "notifications.event_id": "reference",
    "notifications.zone": "identifier of a zone within its camera",
    "notification_deliveries.id": "random identifier",
    "notification_deliveries.notification_id": "reference",
    "notification_deliveries.channel": "kind of channel",
    "notification_deliveries.target_id": "reference",
    "notification_deliveries.attempts": "count of attempts",
    "notification_deliveries.error": "technical reason a delivery failed (no personal data)",
}
