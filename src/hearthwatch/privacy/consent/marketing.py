"""Marketing mail (P28): only to people who said yes, each with a one-step unsubscribe link.

`send_marketing` asks the consent ledger at the moment of sending. The link in every mail
carries a signed token naming the account and the kind of mail, so it works without
signing in: opening it shows one button, pressing it withdraws the consent (a GET alone
never changes anything, so link scanners in mail systems cannot unsubscribe anyone). The
mail's `List-Unsubscribe` header holds the same token on the one-click address, where a
mail client's `POST` with the body `List-Unsubscribe=One-Click` (RFC 8058) withdraws the
consent at once, with no cookie and no CSRF token: the signed token is the proof. Service
mail (codes, security, notice changes) does not go through here, is never held back, and
carries no unsubscribe header (P50).

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
from hearthwatch.mail import messages
from hearthwatch.mail.links import public_link
from hearthwatch.notify import kinds
from hearthwatch.notify.kinds import Unsubscribe, compose_mail
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.consent import service as consent
from hearthwatch.privacy.consent.service import Channel, ConsentChange
from hearthwatch.privacy.datamap import uses as datamap_uses
from hearthwatch.privacy.limits.service import processing_allowed

PURPOSE = "marketing_email"
MARKETING = messages.MARKETING  # the mail category
USE = datamap_uses.MARKETING  # the use a restriction or objection names (P21, P22)
SENT = "marketing.sent"  # the audit action of one mail sent
NEWS = kinds.MARKETING.name  # the kind of mail a campaign sends
# The mail kinds a person can unsubscribe from, and the consent each one withdraws.
UNSUBSCRIBABLE: dict[str, str] = {NEWS: PURPOSE}
LANDING_PAGE = "/privacy/unsubscribe"  # the link in the mail: one button, GET changes nothing
ONE_CLICK_PATH = "/privacy/unsubscribe/one-click"  # the List-Unsubscribe link (RFC 8058)
_TOKEN = re.compile(r"^([0-9a-f]{32})\.([a-z][a-z0-9_.]{0,63})\.([0-9a-f]{64})$")
# Links in mail sent before tokens named the kind: `<account>.<mac>`, kept valid so that
# every marketing mail already out there still unsubscribes (P28).
_ACCOUNT_ONLY_TOKEN = re.compile(r"^([0-9a-f]{32})\.([0-9a-f]{64})$")


@dataclass(frozen=True)
class UnsubscribeLink:
    """Whose link it is, and which kind of mail it stops."""

    user: User
    kind: str

    @property
    def purpose(self) -> str:
        return UNSUBSCRIBABLE[self.kind]


def unsubscribe_token(ctx: AppContext, user_id: str, kind: str = NEWS) -> str:
    """A signed token naming the account and the mail kind; it needs no sign-in."""
    return f"{user_id}.{kind}.{_mac(ctx, 'mail-unsubscribe', f'{kind}:{user_id}')}"


def _mac(ctx: AppContext, key_purpose: str, message: str) -> str:
    key = ctx.keyring.derive(key_purpose)
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def unsubscribe_url(ctx: AppContext, user_id: str, kind: str = NEWS) -> str:
    """The page a person opens from the mail's text: a confirm button."""
    token = unsubscribe_token(ctx, user_id, kind)
    return public_link(ctx.settings, LANDING_PAGE, {"token": token})


def one_click_url(ctx: AppContext, user_id: str, kind: str = NEWS) -> str:
    """The mail's `List-Unsubscribe` link, which a mail client POSTs to (RFC 8058)."""
    token = unsubscribe_token(ctx, user_id, kind)
    return public_link(ctx.settings, ONE_CLICK_PATH, {"token": token})


def link_for_token(ctx: AppContext, db: Session, token: str) -> UnsubscribeLink:
    """The account and mail kind an unsubscribe link belongs to; a forged one is refused."""
    user_id, kind = _verified(ctx, token)
    user = db.get(User, user_id) if user_id is not None else None
    if user is None or kind not in UNSUBSCRIBABLE:
        raise NotFound("This unsubscribe link is not valid.", code="consent.link_invalid")
    return UnsubscribeLink(user, kind)


def _verified(ctx: AppContext, token: str) -> tuple[str | None, str]:
    found = _TOKEN.match(token)
    if found is not None:
        user_id, kind, mac = found.groups()
        expected = _mac(ctx, "mail-unsubscribe", f"{kind}:{user_id}")
        return (user_id if hmac.compare_digest(mac, expected) else None), kind
    found = _ACCOUNT_ONLY_TOKEN.match(token)
    if found is not None:
        user_id, mac = found.groups()
        expected = _mac(ctx, "marketing-unsubscribe", f"{PURPOSE}:{user_id}")
        return (user_id if hmac.compare_digest(mac, expected) else None), NEWS
    return None, ""


def user_for_token(ctx: AppContext, db: Session, token: str) -> User:
    """The account an unsubscribe link belongs to; a forged or stale link is refused."""
    return link_for_token(ctx, db, token).user


def unsubscribe(ctx: AppContext, db: Session, *, token: str) -> ConsentChange:
    """Withdraw the consent the link's mail kind rests on, in the ledger (P24, P28)."""
    link = link_for_token(ctx, db, token)
    return consent.withdraw(
        ctx, db, user_id=link.user.id, purpose=link.purpose, channel=Channel.EMAIL_LINK
    )


def send_marketing(ctx: AppContext, db: Session, user: User, subject: str, body: str) -> bool:
    """Send one marketing mail if, right now, the person consents; says whether it went."""
    if not consent.allowed(db, user_id=user.id, purpose=PURPOSE):
        return False
    # An objection or restriction (P21, P22) stops marketing even where consent stands.
    now = ctx.clock.now()
    if not processing_allowed(db, user_id=user.id, use=USE, at=now):
        return False
    # The message kind's rules (notify/kinds.py) add the one-step link to the text and the
    # RFC 8058 headers, and refuse a marketing mail without them.
    way_out = Unsubscribe(one_click_url(ctx, user.id), unsubscribe_url(ctx, user.id))
    ctx.mailer.send(
        compose_mail(kinds.MARKETING, to=user.email, subject=subject, body=body,
                     unsubscribe=way_out)
    )  # fmt: skip
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
