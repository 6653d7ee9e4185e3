"""Erasure reaches the demo outbox (P19): mails to or about an erased person are deleted.

With SMTP the service keeps no mail; with the development outbox every mail is an ``.eml``
file in the data directory, which would keep an erased address, its codes and its
receipts. A mail goes when any of the person's traces (address, nickname, real name)
appears in its headers or its decoded text, or in its raw bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from hearthwatch.mail.backends import Mailer, OutboxMailer


def forget_person(mailer: Mailer, traces: Iterable[str]) -> int:
    """Delete the outbox mails that mention any of `traces`; how many went (0 with SMTP)."""
    if not isinstance(mailer, OutboxMailer) or not mailer.directory.is_dir():
        return 0
    patterns = [_pattern(t) for t in traces if t and t.strip()]
    if not patterns:
        return 0
    gone = 0
    for path in sorted(mailer.directory.glob("*.eml")):
        if _mentions(path, patterns):
            path.unlink(missing_ok=True)
            gone += 1
    return gone


def _pattern(trace: str) -> re.Pattern[str]:
    # Whole words only: the nickname "Ann" must not take a mail about "Annual" with it.
    return re.compile(rf"(?<!\w){re.escape(trace.strip())}(?!\w)", re.IGNORECASE)


def _mentions(path: Path, patterns: list[re.Pattern[str]]) -> bool:
    raw = path.read_bytes()
    text = raw.decode("utf-8", "replace") + "\n" + _decoded(raw)
    return any(p.search(text) for p in patterns)


def _decoded(raw: bytes) -> str:
    """Headers and text parts as a reader sees them (quoted-printable and base64 undone)."""
    message = message_from_bytes(raw, policy=policy.default)
    parts = [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        if isinstance(part, EmailMessage) and part.get_content_maintype() == "text":
            parts.append(str(part.get_content()))
    return "\n".join(parts)
