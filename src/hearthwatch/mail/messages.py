"""The mails Hearthwatch sends, declared as data: subject and body per kind."""

from __future__ import annotations

from dataclasses import dataclass, field

SERVICE = "service"  # account and security mail: always sent, never marketing (P28, P50)
MARKETING = "marketing"  # sent only with consent, and each one can be unsubscribed (P28)


@dataclass(frozen=True)
class Attachment:
    """A file sent with a mail: an alert's picture, shown inline where `content_id` is set."""

    filename: str
    content_type: str  # "image/jpeg"
    data: bytes = field(repr=False)
    content_id: str | None = None  # referred to from the text as cid:<content_id>


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    body: str
    kind: str
    category: str = SERVICE
    # Where a mail client unsubscribes in one click (RFC 8058): every marketing mail has
    # one, a service mail never does, since service mail cannot be unsubscribed (P50).
    unsubscribe_url: str | None = None
    attachments: tuple[Attachment, ...] = ()

    def __post_init__(self) -> None:
        if (self.category == MARKETING) != (self.unsubscribe_url is not None):
            raise ValueError(
                f"{self.kind}: only marketing mail, and all of it, can be unsubscribed"
            )


def confirmation_code(to: str, code: str, hours: int) -> OutgoingMail:
    return OutgoingMail(
        to=to,
        kind="account.confirm",
        subject=f"Your Hearthwatch confirmation code: {code}",
        body=(
            f"Welcome to Hearthwatch.\n\nYour confirmation code is {code}.\n"
            f"It expires in {hours} hours. If you did not sign up, ignore this mail.\n"
        ),
    )


def password_reset_code(to: str, code: str, minutes: int) -> OutgoingMail:
    return OutgoingMail(
        to=to,
        kind="account.password_reset",
        subject=f"Your Hearthwatch password reset code: {code}",
        body=(
            f"Someone asked to reset the password of this Hearthwatch account.\n\n"
            f"Your code is {code}. It expires in {minutes} minutes.\n"
            "If it was not you, ignore this mail: your password stays as it is.\n"
        ),
    )


def account_locked(to: str, reason: str) -> OutgoingMail:
    return OutgoingMail(
        to=to,
        kind="account.locked",
        subject="Your Hearthwatch account has been locked",
        body=(
            f"Your Hearthwatch account was locked: {reason}.\n\n"
            "Every session and API token was ended. To unlock the account, reset your "
            "password with the code we mail you (use 'Forgot password' on the sign-in page).\n"
            "If you did not ask for this, reset your password now and turn on two-step sign-in.\n"
        ),
    )


def password_changed(to: str) -> OutgoingMail:
    return OutgoingMail(
        to=to,
        kind="account.password_changed",
        subject="Your Hearthwatch password was changed",
        body=(
            "The password of your Hearthwatch account was just changed.\n"
            "If this was not you, use 'Forgot password' at once and then lock the account.\n"
        ),
    )
