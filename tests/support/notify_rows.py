"""Rows of every sealed notification column (issue 14), for the tests of sealing (P38)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hearthwatch.notify.models import MqttTarget, PushSubscription, Webhook

PUSH_ENDPOINT = "https://push.example.net/send/sealed-endpoint"
WEBHOOK_URL = "https://hooks.example.net/sealed-webhook"
MQTT_URL = "mqtts://broker.example.net:8883"
ALERT_PLAINTEXTS = (PUSH_ENDPOINT, "BKey-sealed", "auth-sealed", WEBHOOK_URL, "whsec-sealed",
                    MQTT_URL, "mqtt-user-sealed", "mqtt-password-sealed")  # fmt: skip


def add_alert_channels(db: Session, user_id: str, now: datetime) -> None:
    """A browser subscription, a webhook and an MQTT broker for `user_id`."""
    db.add(PushSubscription(user_id=user_id, endpoint=PUSH_ENDPOINT, p256dh="BKey-sealed",
                            auth="auth-sealed", created_at=now))  # fmt: skip
    db.add(Webhook(user_id=user_id, url=WEBHOOK_URL, secret="whsec-sealed", created_at=now))
    db.add(MqttTarget(user_id=user_id, url=MQTT_URL, username="mqtt-user-sealed",
                      password="mqtt-password-sealed", topic="hearthwatch/alerts",
                      updated_at=now))  # fmt: skip
