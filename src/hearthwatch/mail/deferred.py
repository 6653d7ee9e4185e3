"""Mails sent after the answer: a request whose answer must not show what it found (does
this address have an account?) hands its mails to a background task instead of sending
them while the client waits, so how many mails it caused cannot be timed."""

from __future__ import annotations

from collections.abc import Iterable

from hearthwatch.mail.backends import Mailer
from hearthwatch.mail.messages import OutgoingMail


def send_all(mailer: Mailer, mails: Iterable[OutgoingMail]) -> None:
    """Send each mail in turn (run once the answer has gone out)."""
    for mail in mails:
        mailer.send(mail)
