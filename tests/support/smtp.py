"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives for the tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.postgres import free_port


@dataclass
class Mailbox:
    """Everything the SMTP server accepted, newest last."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def last_code(self, address: str) -> str:
        """The 6-digit code in the newest mail to `address`."""
        mails = self.to(address)
        assert mails, f"no mail reached {address}"
        found = re.search(r"\b(\d{6})\b", mails[-1].get_content())
        assert found, "the mail holds no code"
        return found.group(1)

    def clear(self) -> None:
        self.messages.clear()


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()
