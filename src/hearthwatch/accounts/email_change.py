"""Changing the sign-in address (P18), proven from the new address and undoable from the old.

    ask (current password) ──▶ 6-digit code mailed to the new address (10 minutes, 5 tries)
        ──▶ confirm (code) ──▶ address changed; the old address is told, with an undo code

An address must be proven before it is used, exactly as at sign-up, and sign-up's rule on
addresses in use holds here too: towards the person asking, an address that belongs to
another account looks exactly like a free one (same answer, a code made, the same
failure). Only the mailbox of that address is told that it is taken, and gets no code.

Sessions: the address is where password resets go, so changing it is handled like changing
the password (accounts/recovery.py): every other session of the account ends, the one
that made the change stays, and personal API tokens stay (the person made them and can
revoke them on the security page).

Undo (the compromised-account path when the change was not the owner's): the notice to the
old address holds a code valid 7 days. With that address and code the old address comes
back, the account is locked as reported compromised (every session and token ends), and a
two-step sign-in turned on since the change is removed, so the owner unlocks the account
with a password reset mailed to their own address again. While an undo code is
outstanding the address cannot be changed again, so nobody can move it on and leave the
owner's code pointing at an address the account no longer has.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hearthwatch.accounts import codes
from hearthwatch.accounts.email_change_mail import (
    address_changed,
    address_taken,
    change_code,
    change_undone,
)
from hearthwatch.accounts.models import OneTimeCode, User
from hearthwatch.accounts.recovery import end_all_sessions
from hearthwatch.accounts.registration import find_user_by_email, normalise_email
from hearthwatch.accounts.signin import reauthenticate
from hearthwatch.context import AppContext
from hearthwatch.errors import Conflict, ValidationFailed
from hearthwatch.mail.links import public_link
from hearthwatch.privacy.audit import service as audit
from hearthwatch.security.masking import mask_email
from hearthwatch.security.sealed_columns import blind_index
from hearthwatch.security.secrets import hash_code, same

CODE_MINUTES = 10
UNDO_DAYS = 7
UNDO_PATH = "/email/undo"


def request_change(
    ctx: AppContext, db: Session, *, user: User, new_email: str, password: str
) -> None:
    """Mail a code to `new_email` after the password is checked again; the same answer
    whether or not another account uses that address (see the module's docstring)."""
    address = normalise_email(new_email)
    ctx.code_throttle.hit(f"email-change:{user.id}", code="auth.rate_limited")
    ctx.code_throttle.hit(f"email-change:{address}", code="auth.rate_limited")
    now = ctx.clock.now()
    reauthenticate(ctx, user, password, now=now, wrong="The password is wrong.")
    if address == user.email:
        message = "This is already your address."
        raise ValidationFailed(
            message,
            code="account.email_unchanged",
            details=[{"field": "new_email", "message": message}],
        )
    _refuse_while_undo_is_open(db, user=user, now=now)
    code = codes.issue_code(
        db,
        user_id=user.id,
        purpose=codes.CHANGE_EMAIL,
        lifetime=timedelta(minutes=CODE_MINUTES),
        now=now,
        email=address,
    )
    db.flush()
    taken = find_user_by_email(db, address) is not None
    ctx.mailer.send(address_taken(address) if taken else change_code(address, code, CODE_MINUTES))


def pending_address(ctx: AppContext, db: Session, *, user: User) -> str | None:
    """The address a code was mailed to and is still waiting for (shown to the person who
    typed it, so in full)."""
    record = codes.latest_code(db, user_id=user.id, purpose=codes.CHANGE_EMAIL)
    if record is None or record.email is None or record.expires_at <= ctx.clock.now():
        return None
    return record.email


def confirm_change(
    ctx: AppContext, db: Session, *, user: User, code: str, keep_session_id: str | None
) -> User:
    """Switch to the proven address; the old one is told and can undo it for 7 days."""
    ctx.code_throttle.hit(f"email-change-confirm:{user.id}", code="auth.rate_limited")
    now = ctx.clock.now()
    record = codes.latest_code(db, user_id=user.id, purpose=codes.CHANGE_EMAIL)
    codes.consume_code(record, code, max_attempts=ctx.settings.reset_code_attempts, now=now)
    assert record is not None and record.email is not None  # consume_code refuses None
    old, new = user.email, record.email
    if not _take_address(db, user, new):
        raise _generic_failure()
    user.email_confirmed_at = now  # the code reached the new mailbox
    user.updated_at = now
    end_all_sessions(ctx, db, user_id=user.id, except_session_id=keep_session_id)
    undo = codes.issue_code(
        db,
        user_id=user.id,
        purpose=codes.UNDO_EMAIL_CHANGE,
        lifetime=timedelta(days=UNDO_DAYS),
        now=now,
        email=old,
    )
    audit.record(
        db, at=now, actor=audit.actor_user(user.id), action="account.email_changed",
        subject_id=user.id, details={"from": mask_email(old), "to": mask_email(new)},
    )  # fmt: skip
    link = public_link(ctx.settings, UNDO_PATH)
    ctx.mailer.send(address_changed(old, new_address=new, code=undo, days=UNDO_DAYS, link=link))
    return user


def undo_change(ctx: AppContext, db: Session, *, old_email: str, code: str) -> bool:
    """Put the old address back (True) unless another account took it since (False); the
    account is locked either way. Wrong codes count against the code like any other."""
    address = normalise_email(old_email)
    now = ctx.clock.now()
    record = _undo_code_for(db, address, code)
    codes.consume_code(record, code, max_attempts=ctx.settings.reset_code_attempts, now=now)
    assert record is not None
    user = db.get(User, record.user_id)
    assert user is not None  # codes go with their account
    _spend_open_codes(db, user_id=user.id, now=now)
    restored = _take_address(db, user, address)
    if user.totp_enabled_at is not None and user.totp_enabled_at >= record.created_at:
        user.totp_secret, user.totp_enabled_at, user.totp_last_step = None, None, None
    user.compromised_at = now
    end_all_sessions(ctx, db, user_id=user.id, include_tokens=True)
    audit.record(
        db, at=now, actor=audit.SYSTEM, action="account.email_change_undone",
        subject_id=user.id,
        details={"proof": "code mailed to the previous address", "restored": restored},
    )  # fmt: skip
    ctx.mailer.send(change_undone(address, restored=restored))
    return restored


def _take_address(db: Session, user: User, address: str) -> bool:
    """Give `user` the address unless another account has it, even one racing for it now."""
    if find_user_by_email(db, address) is not None:
        return False
    try:
        with db.begin_nested():
            user.email = address
            db.flush()
    except IntegrityError:
        db.refresh(user)
        return False
    return True


def _generic_failure() -> ValidationFailed:
    # The words of a wrong code: whoever asked must not learn that the address is taken.
    return ValidationFailed("The code is wrong. Ask for a new one.", code="auth.code_invalid")


def _refuse_while_undo_is_open(db: Session, *, user: User, now: datetime) -> None:
    record = codes.latest_code(db, user_id=user.id, purpose=codes.UNDO_EMAIL_CHANGE)
    if record is not None and record.expires_at > now:
        raise Conflict(
            f"Your address was changed recently. It can be changed again from "
            f"{record.expires_at:%d %B %Y, %H:%M} UTC.",
            code="account.email_recently_changed",
            details={"retry_after": record.expires_at.isoformat()},
        )


def _undo_code_for(db: Session, address: str, code: str) -> OneTimeCode | None:
    """The open undo code for `address` that `code` matches, else the newest one (whose
    attempts the wrong code then uses up). Two accounts can have had the same address."""
    found = list(
        db.scalars(
            select(OneTimeCode)
            .where(
                OneTimeCode.purpose == codes.UNDO_EMAIL_CHANGE,
                OneTimeCode.email_index == blind_index(db, address),  # sealed (P38)
                OneTimeCode.used_at.is_(None),
            )
            .order_by(OneTimeCode.created_at.desc())
        )
    )
    matching = [r for r in found if same(r.code_hash, hash_code(code, salt=r.id))]
    candidates = matching or found
    return candidates[0] if candidates else None


def _spend_open_codes(db: Session, *, user_id: str, now: datetime) -> None:
    """After an undo, no other change or undo of the address may follow from older mail."""
    db.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.user_id == user_id,
            OneTimeCode.purpose.in_((codes.CHANGE_EMAIL, codes.UNDO_EMAIL_CHANGE)),
            OneTimeCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
