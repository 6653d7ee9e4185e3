"""The short-lived signed link an alert's picture is fetched through (P15).

An alert never carries the picture's bytes to push services, webhooks or brokers; it carries
a link: ``/api/v1/notify/image/<token>``, the token naming the event and the user it was
made for and when it ends, signed with a key derived from the master key. Everything is
checked again when the link is opened, not only when it was made: the link is refused once
it has expired, when the user has turned images in alerts off since (P15), when the camera
is in privacy mode, or when a restriction holds the camera or the account's data (P21).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.errors import Gone, NotFound
from hearthwatch.events.models import Event
from hearthwatch.events.thumbnails import read_thumbnail
from hearthwatch.mail.links import public_link
from hearthwatch.notify import preferences
from hearthwatch.privacy.limits.service import camera_held

LIFETIME = timedelta(minutes=10)
_PURPOSE = "notify-image-link"
_TOKEN = re.compile(r"^([0-9a-f]{32})\.([0-9a-f]{32})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")


class ImageLinkInvalid(NotFound):
    code = "notify.image_not_found"


class ImageLinkExpired(Gone):
    code = "notify.image_expired"


def _mac(ctx: AppContext, message: str) -> str:
    digest = hmac.new(ctx.keyring.derive(_PURPOSE), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(ctx: AppContext, *, event_id: str, user_id: str, now: datetime) -> str:
    """A token for `user_id` to fetch `event_id`'s picture until `LIFETIME` from `now`."""
    expires = int((now + LIFETIME).timestamp())
    body = f"{event_id}.{user_id}.{expires}"
    return f"{body}.{_mac(ctx, body)}"


def image_url(ctx: AppContext, *, event_id: str, user_id: str, now: datetime) -> str:
    """The absolute link an alert carries."""
    token = make_token(ctx, event_id=event_id, user_id=user_id, now=now)
    return public_link(ctx.settings, f"/api/v1/notify/image/{token}")


def open_image(ctx: AppContext, db: Session, token: str) -> bytes:
    """The masked picture a valid link names; refused as the module docstring says."""
    found = _TOKEN.match(token)
    if found is None:
        raise ImageLinkInvalid("This picture link is not valid.")
    event_id, user_id, expires, mac = found.groups()
    if not hmac.compare_digest(mac, _mac(ctx, f"{event_id}.{user_id}.{expires}")):
        raise ImageLinkInvalid("This picture link is not valid.")
    now = ctx.clock.now()
    if now.timestamp() >= int(expires):
        raise ImageLinkExpired("This picture link has expired.")
    event = db.get(Event, event_id)
    if event is None or event.owner_id != user_id or not image_allowed(db, event, now=now):
        raise ImageLinkInvalid("This picture is not available.")
    jpeg = read_thumbnail(ctx.vault, event)
    if jpeg is None:
        raise ImageLinkInvalid("This picture is not available.")
    return jpeg


def image_allowed(db: Session, event: Event, *, now: datetime) -> bool:
    """Whether the event's picture may be shown in an alert now (P15, P21, privacy mode)."""
    camera = db.get(Camera, event.camera_id)
    if camera is None or camera.privacy_mode:
        return False
    if camera_held(db, camera_id=camera.id, at=now):
        return False
    return preferences.load(db, event.owner_id).images
