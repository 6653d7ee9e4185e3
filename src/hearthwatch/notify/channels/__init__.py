"""The channels an alert goes out on, each behind the same narrow call: `send(ctx, db, alert,
target_id)`, which returns when the message was handed over and raises `DeliveryFailed`
otherwise (`permanent` when trying again cannot help: the subscription is gone).

What every channel sends is one `Alert`; a channel never reads the event itself, so the
rules about what an alert may carry (its picture's link only with images on, P15) are
applied once, where the alert is made (notify/dispatch.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class DeliveryFailed(Exception):
    """A channel could not hand the message over. The text is technical, never personal."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class Alert:
    """One message as every channel sends it."""

    notification_id: str
    user_id: str
    kind: str
    title: str
    body: str
    url: str  # where the user sees it in the web app
    event_id: str | None = None
    camera_id: str | None = None
    image_url: str | None = None  # the signed link, only with images on (P15)
    created_at: str = ""  # ISO 8601

    def payload(self) -> dict[str, Any]:
        """The JSON body push, webhooks and MQTT carry."""
        body: dict[str, Any] = {
            "id": self.notification_id, "kind": self.kind, "title": self.title,
            "body": self.body, "url": self.url, "event_id": self.event_id,
            "camera_id": self.camera_id, "created_at": self.created_at,
        }  # fmt: skip
        if self.image_url is not None:
            body["image"] = self.image_url
        return body
