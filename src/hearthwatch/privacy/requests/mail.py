"""The mails of the rights-request workflow: the identity code, updates, operator notices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.mail.messages import OutgoingMail
from hearthwatch.privacy.requests.models import RightsRequest


def day(moment: datetime) -> str:
    return moment.strftime("%d %B %Y")


def address_of(db: Session, request: RightsRequest) -> str | None:
    """Where the person behind a request is told: the account's address, or the address a
    complainant without an account proved with a mailed code (None: the account is gone)."""
    if request.user_id is None:
        return request.complainant_email
    user = db.get(User, request.user_id)
    return None if user is None else user.email


def tell_person(
    ctx: AppContext, db: Session, request: RightsRequest, *, title: str, sentence: str
) -> None:
    address = address_of(db, request)
    if address is None:
        return
    ctx.mailer.send(
        OutgoingMail(
            to=address,
            kind="privacy.request_update",
            subject=f"Your Hearthwatch request: {title}",
            body=f"{sentence}\n\nRequest {request.id}, received {day(request.received_at)}.\n",
        )
    )


def tell_operator(ctx: AppContext, text: str) -> bool:
    """Mail the operator's privacy address, when one is configured (whether it was)."""
    address = ctx.settings.privacy_operator_email
    if not address:
        return False
    ctx.mailer.send(
        OutgoingMail(
            to=address,
            kind="privacy.operator",
            subject="Hearthwatch rights requests",
            body=text + "\n",
        )
    )
    return True


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


def complaint_code_mail(to: str, code: str, *, minutes: int) -> OutgoingMail:
    """The code that proves a complainant without an account can read this address."""
    return OutgoingMail(
        to=to,
        kind="privacy.complaint_code",
        subject=f"Your Hearthwatch complaint code: {code}",
        body=(
            f"We received a complaint naming this address.\n\nTo send it, enter the code "
            f"{code} on the complaint page. It expires in {minutes} minutes.\n"
            "If you did not write to us, ignore this mail: nothing is kept without the code.\n"
        ),
    )


def complaint_registered_mail(request: RightsRequest, *, greeting: str) -> OutgoingMail:
    """Confirms a complaint without an account: its reference and when it is answered."""
    return OutgoingMail(
        to=request.complainant_email or "",
        kind="privacy.request_update",
        subject="Your Hearthwatch complaint was received",
        body=(
            f"{greeting}\n\nYour complaint is registered as {request.id}. We answer it by "
            f"{day(request.due_at)}, by mail to this address.\n"
        ),
    )
