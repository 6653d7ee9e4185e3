"""Alerts by e-mail, through the service's mailer (mail/): plain words, a link to the event,
and the camera's (masked) picture inline, only when the user has images on (P15)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.events.models import Event
from hearthwatch.events.thumbnails import read_thumbnail
from hearthwatch.mail.messages import Attachment
from hearthwatch.notify import kinds
from hearthwatch.notify.channels import Alert, DeliveryFailed

PICTURE_ID = "alert-picture@hearthwatch"


def send(ctx: AppContext, db: Session, alert: Alert, target_id: str | None) -> None:
    """Mail `alert` to the account's address."""
    del target_id
    user = db.get(User, alert.user_id)
    if user is None:
        raise DeliveryFailed("the account is gone", permanent=True)
    attachments = _picture(ctx, db, alert)
    body = f"{alert.body}\n\nSee it in Hearthwatch: {alert.url}\n"
    if attachments:
        body += "The camera's picture is attached.\n"
    mail = kinds.compose_mail(
        kinds.KINDS[alert.kind], to=user.email, subject=alert.title, body=body,
        attachments=attachments,
    )  # fmt: skip
    try:
        ctx.mailer.send(mail)
    except OSError as err:  # smtplib's errors are OSErrors
        raise DeliveryFailed(f"mail server refused or not reached ({type(err).__name__})") from err


def _picture(ctx: AppContext, db: Session, alert: Alert) -> list[Attachment]:
    """The event's picture, if the alert may carry one (its link is set only then)."""
    if alert.image_url is None or alert.event_id is None:
        return []
    event = db.get(Event, alert.event_id)
    jpeg = read_thumbnail(ctx.vault, event) if event is not None else None
    if jpeg is None:
        return []
    return [Attachment("picture.jpg", "image/jpeg", jpeg, content_id=PICTURE_ID)]
