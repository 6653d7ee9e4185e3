"""The demo outbox: the newest mails the service wrote to its local outbox, readable in the
browser so a demo user can find their codes. It exists only with ``mail_backend="outbox"``
(which production refuses); with real SMTP the page is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

from fastapi import APIRouter, Request, Response

from hearthwatch.api.deps import ContextDep
from hearthwatch.mail.backends import OutboxMailer
from hearthwatch.web.deps import WebRoute
from hearthwatch.web.rendering import render
from hearthwatch.web.viewer import ViewerDep

router = APIRouter(route_class=WebRoute)

SHOWN = 20


@dataclass(frozen=True)
class OutboxMail:
    subject: str
    to: str
    sent_at: datetime | None
    body: str

    @classmethod
    def of(cls, message: EmailMessage) -> OutboxMail:
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if isinstance(part, EmailMessage) else ""
        return cls(
            subject=str(message["Subject"] or "(no subject)"),
            to=str(message["To"] or ""),
            sent_at=_date(message["Date"]),
            body=str(body),
        )


def _date(header: object) -> datetime | None:
    """The Date header as an aware time; "-0000" (UTC, origin unknown) parses as naive."""
    try:
        moment = parsedate_to_datetime(str(header)) if header else None
    except (TypeError, ValueError):
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


@router.get("/outbox")
def outbox(request: Request, ctx: ContextDep, viewer: ViewerDep, to: str = "") -> Response:
    """Newest first; `to` keeps only the mail sent to one address."""
    mailer = ctx.mailer
    if ctx.settings.mail_backend != "outbox" or not isinstance(mailer, OutboxMailer):
        return render(request, ctx, "not_found.html", viewer=viewer, status=404)
    mails = [OutboxMail.of(m) for m in mailer.messages(limit=200)]
    wanted = to.strip().lower()
    if wanted:
        mails = [m for m in mails if m.to.lower() == wanted]
    return render(
        request, ctx, "outbox.html", viewer=viewer, mails=mails[:SHOWN], values={"to": to.strip()}
    )
