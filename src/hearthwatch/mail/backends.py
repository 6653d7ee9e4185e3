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
    if mail.unsubscribe_url is not None:
        # RFC 2369 and RFC 8058: the mail client offers "Unsubscribe" and POSTs
        # "List-Unsubscribe=One-Click" to the link, with no cookie and no page to read.
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.body)
    for attached in mail.attachments:
        maintype, _, subtype = attached.content_type.partition("/")
        cid = f"<{attached.content_id}>" if attached.content_id else None
        message.add_attachment(
            attached.data, maintype=maintype, subtype=subtype, filename=attached.filename,
            disposition="inline" if cid else "attachment", cid=cid,
        )  # fmt: skip
    return message


class SmtpMailer:
    """Sends through an SMTP server: over TLS from the first byte (`smtp_tls`), upgraded with
    STARTTLS (`smtp_starttls`; a server that does not offer it is an error, never a silent
    fall-back to plain text), or, outside production or to a loopback relay, in plain text."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._tls: ssl.SSLContext | None = None

    def send(self, mail: OutgoingMail) -> None:
        s = self.settings
        with self._connect() as smtp:
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
            smtp.send_message(build_message(mail, s.mail_from))
        log.info("mail sent", extra={"mail_kind": mail.kind, "to": mail.to})

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_tls:
            return smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s, context=self.tls_context()
            )
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s)
        if s.smtp_starttls:
            try:
                smtp.starttls(context=self.tls_context())
            except BaseException:
                smtp.close()
                raise
        return smtp

    def tls_context(self) -> ssl.SSLContext:
        """Verifies the server's certificate and name, against `smtp_ca_file` if given."""
        if self._tls is None:
            ca_file = self.settings.smtp_ca_file
            self._tls = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        return self._tls


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
