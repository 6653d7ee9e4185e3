"""Outgoing mail: one `Mailer` interface, an SMTP backend and a local outbox for development."""

from __future__ import annotations

from hearthwatch.mail.backends import Mailer, OutboxMailer, SmtpMailer, make_mailer
from hearthwatch.mail.messages import OutgoingMail

__all__ = ["Mailer", "OutboxMailer", "OutgoingMail", "SmtpMailer", "make_mailer"]
