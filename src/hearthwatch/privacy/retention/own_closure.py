"""Closing your own account (P34), from the web app or the API.

Unlike "Delete my account" (`erasure`), closing keeps the data for 6 calendar months and
only then deletes it for good: the retention sweep erases accounts from their
`deletion_date` on (`retention.purge_closed_accounts`). What closing does at once is
`closure.close_account`'s, the same as `hearthwatch privacy close-account`: sign-in
is refused (`auth.account_closed`, with the date of deletion), every session and API token
ends, and recording stops. The owner proves it is them (password, and the authenticator
code when two-step sign-in is on), gets a signed receipt and a confirmation mail.

A closed account cannot be reopened: whoever wants their data must download it before
closing, which the page and the mail say.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hearthwatch.accounts import totp
from hearthwatch.accounts.models import ApiToken, BrowserSession, User
from hearthwatch.accounts.signin import reauthenticate
from hearthwatch.context import AppContext
from hearthwatch.db.base import new_id
from hearthwatch.devices.models import RECORDING_OFF, Camera
from hearthwatch.mail.messages import OutgoingMail
from hearthwatch.privacy.audit import service as audit
from hearthwatch.privacy.requests.mail import day
from hearthwatch.privacy.retention.closure import close_account, deletion_date
from hearthwatch.privacy.retention.rules import CLOSED_ACCOUNTS

RECEIPT_KIND = "account_closure"
KEPT_MONTHS = CLOSED_ACCOUNTS.months


@dataclass(frozen=True)
class Closure:
    """A closed account: when, when it is deleted, the signed receipt, the mail to send."""

    closed_at: datetime
    delete_after: datetime
    receipt: dict[str, Any]
    mail: OutgoingMail


def close_own_account(
    ctx: AppContext, db: Session, *, user: User, password: str, totp_code: str | None
) -> Closure:
    """Close `user`'s account after checking it is them; send `Closure.mail` after commit."""
    now = ctx.clock.now()
    reauthenticate(ctx, user, password, now=now, wrong="The password is wrong.")
    if user.has_totp:
        totp.check_login_code(ctx, user, totp_code, now=now)
    ended = _what_ends(db, user.id)
    close_account(ctx, db, user_id=user.id, actor=audit.actor_user(user.id))
    assert user.closed_at is not None  # set by close_account
    delete_after = deletion_date(user.closed_at)
    receipt = ctx.receipts.sign(RECEIPT_KIND, {
        "receipt_id": new_id(), "account_id": user.id, "closed_at": user.closed_at.isoformat(),
        "delete_after": delete_after.isoformat(), **ended,
    })  # fmt: skip
    mail = closure_mail(user.email, receipt, operator=ctx.settings.privacy_operator_email)
    return Closure(user.closed_at, delete_after, receipt, mail)


def _what_ends(db: Session, user_id: str) -> dict[str, int]:
    """Counts for the receipt: the sessions, tokens and recording cameras closing stops."""

    def count(model: Any, *where: Any) -> int:
        return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return {
        "sessions_ended": count(
            BrowserSession, BrowserSession.user_id == user_id, BrowserSession.revoked_at.is_(None)
        ),
        "tokens_ended": count(ApiToken, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)),
        "cameras_stopped": count(
            Camera, Camera.owner_id == user_id, Camera.recording_mode != RECORDING_OFF
        ),
    }


def closure_mail(to: str, receipt: dict[str, Any], *, operator: str | None) -> OutgoingMail:
    """The owner's confirmation, with the deletion date and the signed receipt."""
    payload = receipt["payload"]
    deleted = datetime.fromisoformat(payload["delete_after"])
    contact = f" ({operator})" if operator else ""
    return OutgoingMail(
        to=to,
        kind="privacy.account_closed",
        subject="Your Hearthwatch account is closed",
        body=(
            "Your Hearthwatch account was closed at your request.\n\n"
            f"- Your data is kept until {day(deleted)}, then deleted for good.\n"
            "- Every session and API token has ended; signing in is refused from now on.\n"
            f"- Your cameras stopped recording ({payload['cameras_stopped']} were recording).\n"
            "- A closed account cannot be reopened.\n\n"
            f"If you did not close it, tell the service's privacy operator{contact} at once.\n\n"
            "Below is your signed receipt. Anyone can check it against the service's public "
            "key at /api/v1/privacy/receipt-key.\n\n"
            f"{json.dumps(receipt, indent=2, sort_keys=True)}\n"
        ),
    )
