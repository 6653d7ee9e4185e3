"""Mail backends behind one narrow interface, so tests hand in a real local SMTP server."""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from hearthwatch.mail.messages import OutgoingMail
from hearthwatch.settings import Settings

log = logging.getLogger("hearthwatch.mail")


class Mailer(Protocol):
    def send(self, mail: OutgoingMail) -> None: ...


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="hearthwatch.local")
    message["X-Hearthwatch-Kind"] = mail.kind
    message.set_content(mail.body)
    return message


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, mail: OutgoingMail) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s) as smtp:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
            smtp.send_message(build_message(mail, s.mail_from))
        log.info("mail sent", extra={"mail_kind": mail.kind, "to": mail.to})


class OutboxMailer:
    """Development mail: each message is an .eml file in the data directory's outbox."""

    def __init__(self, directory: Path, sender: str) -> None:
        self.directory = directory
        self.sender = sender

    def send(self, mail: OutgoingMail) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        message = build_message(mail, self.sender)
        # Nanosecond stamp first so names sort by time; random suffix so writers never collide.
        path = self.directory / f"{time.time_ns():020d}-{secrets.token_hex(4)}-{mail.kind}.eml"
        path.write_bytes(message.as_bytes())
        log.info("mail written to outbox", extra={"mail_kind": mail.kind, "to": mail.to})

    def messages(self, limit: int = 50) -> list[EmailMessage]:
        """The newest messages first."""
        paths = sorted(self.directory.glob("*.eml"), reverse=True)[:limit]
        return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in paths]


def make_mailer(settings: Settings) -> Mailer:
    if settings.mail_backend == "smtp":
        return SmtpMailer(settings)
    return OutboxMailer(settings.outbox_dir, settings.mail_from)
