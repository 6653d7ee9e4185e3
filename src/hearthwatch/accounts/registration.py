"""Sign-up and e-mail confirmation (P1): e-mail and password; every other detail optional.

Sign-up also asks the month and year of birth, only to decide whether the person is under
16 (P4, see `privacy.minors_age`); it is not stored. Under 16, the account waits for the
consent of the parent or guardian whose address the child gives (`privacy.minors`).

`find_user_by_email` and `normalise_email` are re-exported from `accounts.lookup`, where they
live so that signin uses them without importing sign-up (which reaches signin again through
the guardian's consent, erasure and the export).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from hearthwatch.accounts import codes
from hearthwatch.accounts.lookup import find_user_by_email as find_user_by_email
from hearthwatch.accounts.lookup import normalise_email as normalise_email
from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.errors import ValidationFailed
from hearthwatch.mail import messages
from hearthwatch.mail.messages import OutgoingMail
from hearthwatch.privacy.minors import service as minors
from hearthwatch.privacy.minors.age import is_under_16


@dataclass(frozen=True)
class SignUp:
    """The outcome of a sign-up: the new account (None for a taken address) and whether a
    guardian is asked to consent (which depends only on what was typed, never on the
    address being taken)."""

    user: User | None
    guardian_asked: bool
    mails: tuple[OutgoingMail, ...] = ()  # to send once the answer has gone out


def register(
    ctx: AppContext,
    session: Session,
    *,
    email: str,
    password: str,
    birth_month: str,
    guardian_email: str | None = None,
    nickname: str | None = None,
    real_name: str | None = None,
) -> SignUp:
    """Create an unconfirmed account and its code; under 16, ask the guardian too.

    For an address already registered nothing changes and no error is raised, so sign-up
    never tells a stranger who has an account; the owner gets a confirmation code again
    if still unconfirmed. Nor does the time it takes: both paths hash the password (the
    costly step), and the mails come back in `SignUp.mails` for the caller to send after
    answering, so a new address (one or two mails) answers as fast as a taken one.
    """
    email = normalise_email(email)
    child = is_under_16(birth_month, today=ctx.clock.now().date())
    guardian = _guardian_address(email, guardian_email) if child else None
    ctx.passwords.require_strong(password, (email.split("@")[0], nickname or "", real_name or ""))
    password_hash = ctx.passwords.hash(password)  # on both paths: see the docstring
    existing = find_user_by_email(session, email)
    if existing is not None:
        again = () if existing.is_confirmed else (confirmation_mail(ctx, session, existing),)
        return SignUp(None, child, again)
    now = ctx.clock.now()
    user = User(
        email=email,
        password_hash=password_hash,
        nickname=nickname or None,
        real_name=real_name or None,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    mails = [confirmation_mail(ctx, session, user)]
    if guardian is not None:
        mails.append(
            minors.ask_guardian_at_sign_up(ctx, session, user=user, guardian_email=guardian)
        )
    return SignUp(user, child, tuple(mails))


def _guardian_address(email: str, guardian_email: str | None) -> str:
    """Under 16, the guardian's address is required, and must not be the child's own."""
    if not guardian_email:
        raise _guardian_problem(
            "You are under 16: give the e-mail address of a parent or guardian, who will be "
            "asked to agree.",
            "auth.guardian_email_required",
        )
    guardian = normalise_email(guardian_email)
    if guardian == email:
        raise _guardian_problem(
            "Give the address of your parent or guardian, not your own.",
            "auth.guardian_email_same",
        )
    return guardian


def _guardian_problem(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(
        message, code=code, details=[{"field": "guardian_email", "message": message}]
    )


def confirmation_mail(ctx: AppContext, session: Session, user: User) -> OutgoingMail:
    """Issue a new confirmation code (the older one stops working) and write its mail."""
    hours = ctx.settings.confirm_code_hours
    code = codes.issue_code(
        session,
        user_id=user.id,
        purpose=codes.CONFIRM_EMAIL,
        lifetime=timedelta(hours=hours),
        now=ctx.clock.now(),
    )
    session.flush()
    return messages.confirmation_code(user.email, code, hours)


def resend_confirmation(ctx: AppContext, session: Session, *, email: str) -> list[OutgoingMail]:
    """A new confirmation code's mail, for the caller to send after its answer (whether an
    address has an unconfirmed account must not show in how long the answer takes)."""
    user = find_user_by_email(session, email)
    if user is None or user.is_confirmed:
        return []
    return [confirmation_mail(ctx, session, user)]


def confirm_email(ctx: AppContext, session: Session, *, email: str, code: str) -> User:
    """Mark the address confirmed with the mailed code; wrong codes count against the code."""
    user = find_user_by_email(session, email)
    now = ctx.clock.now()
    if user is not None and user.is_confirmed:
        return user
    record = (
        codes.latest_code(session, user_id=user.id, purpose=codes.CONFIRM_EMAIL) if user else None
    )
    codes.consume_code(record, code, max_attempts=ctx.settings.reset_code_attempts, now=now)
    assert user is not None  # a record exists only for a real user
    user.email_confirmed_at = now
    user.updated_at = now
    return user
