"""Marketing mail (P28): only to people who said yes, each with a one-step unsubscribe link.

`send_marketing` asks the consent ledger at the moment of sending. The link in every mail
carries a signed token naming the account, so it works without signing in: opening it
shows one button, pressing it withdraws the consent (a GET alone never changes anything,
so link scanners in mail systems cannot unsubscribe anyone). Service mail (codes, security,
notice changes) does not go through here and is never held back.

Every mail sent leaves an audit entry (`marketing.sent`, the account's id and nothing
else), so `hearthwatch privacy check` can hold each one against the consent ledger and the
person's limits at that moment (`consent_check`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.errors import NotFound
from hearthwatch.mail.messages import OutgoingMail
from hearthwatch.privacy import audit, consent, datamap_uses
from hearthwatch.privacy.consent import Channel, ConsentChange
from hearthwatch.privacy.limits import processing_allowed

PURPOSE = "marketing_email"
MARKETING = "marketing"  # the mail category
USE = datamap_uses.MARKETING  # the use a restriction or objection names (P21, P22)
SENT = "marketing.sent"  # the audit action of one mail sent
_TOKEN = re.compile(r"^([0-9a-f]{32})\.([0-9a-f]{64})$")


def unsubscribe_token(ctx: AppContext, user_id: str) -> str:
    return f"{user_id}.{_signature(ctx, user_id)}"


def _signature(ctx: AppContext, user_id: str) -> str:
    key = ctx.keyring.derive("marketing-unsubscribe")
    return hmac.new(key, f"{PURPOSE}:{user_id}".encode(), hashlib.sha256).hexdigest()


def unsubscribe_url(ctx: AppContext, user_id: str) -> str:
    base = ctx.settings.public_url.rstrip("/")
    return f"{base}/privacy/unsubscribe?token={unsubscribe_token(ctx, user_id)}"


def user_for_token(ctx: AppContext, db: Session, token: str) -> User:
    """The account an unsubscribe link belongs to; a forged or stale link is refused."""
    found = _TOKEN.match(token)
    if found is None or not hmac.compare_digest(found.group(2), _signature(ctx, found.group(1))):
        raise NotFound("This unsubscribe link is not valid.", code="consent.link_invalid")
    user = db.get(User, found.group(1))
    if user is None:
        raise NotFound("This unsubscribe link is not valid.", code="consent.link_invalid")
    return user


def unsubscribe(ctx: AppContext, db: Session, *, token: str) -> ConsentChange:
    user = user_for_token(ctx, db, token)
    return consent.withdraw(ctx, db, user_id=user.id, purpose=PURPOSE, channel=Channel.EMAIL_LINK)


def send_marketing(ctx: AppContext, db: Session, user: User, subject: str, body: str) -> bool:
    """Send one marketing mail if, right now, the person consents; says whether it went."""
    if not consent.allowed(db, user_id=user.id, purpose=PURPOSE):
        return False
    # An objection or restriction (P21, P22) stops marketing even where consent stands.
    now = ctx.clock.now()
    if not processing_allowed(db, user_id=user.id, use=USE, at=now):
        return False
    link = unsubscribe_url(ctx, user.id)
    ctx.mailer.send(
        OutgoingMail(
            to=user.email,
            kind="marketing.news",
            subject=subject,
            body=(
                f"{body.rstrip()}\n\n--\nYou get this because you agreed to news from "
                f"Hearthwatch. Unsubscribe in one step: {link}\n"
            ),
            category=MARKETING,
        )
    )
    audit.record(db, at=now, actor=audit.SYSTEM, action=SENT, subject_id=user.id,
                 details={"purpose": PURPOSE})  # fmt: skip
    return True


@dataclass(frozen=True)
class Campaign:
    sent: int
    skipped: int


def send_campaign(ctx: AppContext, db: Session, *, subject: str, body: str) -> Campaign:
    """Mail every confirmed account that consents; the others are skipped, not told.

    Commits after each mail: a mail that went out keeps its audit entry even if a later one
    fails, and the audit log (whose appenders wait for each other) is not held for the
    length of the campaign."""
    sent = skipped = 0
    confirmed = list(db.scalars(select(User.id).where(User.email_confirmed_at.is_not(None))))
    for user_id in confirmed:
        user = db.get(User, user_id)
        if user is not None and send_marketing(ctx, db, user, subject, body):
            sent += 1
            db.commit()
        else:
            skipped += 1
    return Campaign(sent, skipped)
