"""The mails of a change of sign-in address: the code, the notice to the old address, the undo."""

from __future__ import annotations

from hearthwatch.mail.messages import OutgoingMail
from hearthwatch.security.masking import mask_email


def change_code(to: str, code: str, minutes: int) -> OutgoingMail:
    return OutgoingMail(
        to=to,
        kind="account.email_change_code",
        subject=f"Your Hearthwatch code to use this address: {code}",
        body=(
            "Someone signed in to a Hearthwatch account asked to use this address to sign in.\n\n"
            f"If it was you, enter the code {code} on the page where you asked. "
            f"It expires in {minutes} minutes.\n"
            "If it was not you, ignore this mail: nothing changes.\n"
        ),
    )


def address_taken(to: str) -> OutgoingMail:
    """Sent instead of a code: only the owner of the address learns that it is in use."""
    return OutgoingMail(
        to=to,
        kind="account.email_change_taken",
        subject="Someone asked to use this address on Hearthwatch",
        body=(
            "Someone signed in to a Hearthwatch account asked to use this address to sign in. "
            "This address already belongs to a Hearthwatch account, so nothing changed and "
            "no code was made.\n\n"
            "If it was you, sign in to the account that uses this address, or choose another "
            "address. If it was not you, ignore this mail.\n"
        ),
    )


def address_changed(to: str, *, new_address: str, code: str, days: int, link: str) -> OutgoingMail:
    """To the old address: the change, and how to undo it if it was not the owner."""
    return OutgoingMail(
        to=to,
        kind="account.email_changed",
        subject="The sign-in address of your Hearthwatch account was changed",
        body=(
            "The sign-in address of your Hearthwatch account was just changed from this "
            f"address to {mask_email(new_address)}.\n\n"
            "If it was you, there is nothing to do.\n\n"
            "If it was NOT you, someone else may be using your account. Within "
            f"{days} days, open {link} and enter this address and the code {code}. "
            "This address then comes back, the account is locked, and every session and API "
            "token ends. Then choose a new password with 'Forgot password' on the sign-in "
            "page: the code goes to this address.\n"
        ),
    )


def change_undone(to: str, *, restored: bool) -> OutgoingMail:
    """To the old address after an undo: locked either way; restored unless taken since."""
    if restored:
        what = (
            "This address is the sign-in address of your Hearthwatch account again. To unlock "
            "the account, choose a new password with 'Forgot password' on the sign-in page: "
            "the code comes to this address."
        )
    else:
        what = (
            "This address has been taken by another account since, so it could not come "
            "back. Write to the service's operator, who can check it is you and help."
        )
    return OutgoingMail(
        to=to,
        kind="account.email_change_undone",
        subject="Your Hearthwatch account is locked",
        body=(
            "The account is locked and every session and API token has ended, as you asked.\n\n"
            f"{what}\n"
        ),
    )
