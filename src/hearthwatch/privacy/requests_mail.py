"""The mails of the rights-request workflow: the identity code, updates, operator notices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.mail.messages import OutgoingMail
from hearthwatch.privacy.requests_models import RightsRequest


def day(moment: datetime) -> str:
    return moment.strftime("%d %B %Y")


def tell_person(
    ctx: AppContext, db: Session, request: RightsRequest, *, title: str, sentence: str
) -> None:
    user = db.get(User, request.user_id)
    if user is None:
        return
    ctx.mailer.send(
        OutgoingMail(
            to=user.email,
            kind="privacy.request_update",
            subject=f"Your Hearthwatch request: {title}",
            body=f"{sentence}\n\nRequest {request.id}, received {day(request.received_at)}.\n",
        )
    )


def tell_operator(ctx: AppContext, text: str) -> None:
    """Mail the operator's privacy address, when one is configured."""
    address = ctx.settings.privacy_operator_email
    if not address:
        return
    ctx.mailer.send(
        OutgoingMail(
            to=address,
            kind="privacy.operator",
            subject="Hearthwatch rights requests",
            body=text + "\n",
        )
    )


def code_mail(to: str, code: str, *, title: str, minutes: int) -> OutgoingMail:
    return OutgoingMail(
        to=to,
        kind="privacy.request_code",
        subject=f"Your Hearthwatch request code: {code}",
        body=(
            f"We received your request: {title}.\n\nTo confirm it was you, enter the code "
            f"{code} on the request page. It expires in {minutes} minutes.\n"
            "If you did not make this request, change your password.\n"
        ),
    )
