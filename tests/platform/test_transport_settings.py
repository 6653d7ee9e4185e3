"""Encryption in transit (P37): mail over STARTTLS or implicit TLS to a real SMTP server,
and production refusing plain-text transport at start-up."""

from __future__ import annotations

import os
import smtplib
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pydantic import ValidationError

from hearthwatch.clock import clock
from hearthwatch.mail.backends import SmtpMailer
from hearthwatch.mail.messages import password_changed
from hearthwatch.server import refuse_plain_listening
from hearthwatch.settings import Settings
from hearthwatch.tls import CannotServe, CertificateFiles, local_certificate, uvicorn_tls_options
from tests.support.postgres import free_port

CLI = str(Path(sys.executable).with_name("hearthwatch"))
PRODUCTION: dict[str, Any] = {"environment": "production", "mail_backend": "smtp"}


@dataclass
class TlsMailbox:
    """What the server received, and the TLS version each message travelled under."""

    received: list[tuple[EmailMessage, str | None]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        tls = server.transport.get_extra_info("ssl_object")
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((message, tls.version() if tls is not None else None))
        return "250 OK"


@pytest.fixture
def certificate(tmp_path: Path) -> CertificateFiles:
    return local_certificate(tmp_path / "tls", now=clock.now())


@contextmanager
def tls_smtp_server(cert: CertificateFiles, *, implicit: bool) -> Iterator[tuple[TlsMailbox, int]]:
    """aiosmtpd on loopback: TLS from the first byte, or plain until STARTTLS (required)."""
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert.cert, cert.key)
    mailbox, port = TlsMailbox(), free_port()
    options: dict[str, Any] = (
        {"ssl_context": server_tls}
        if implicit
        else {"tls_context": server_tls, "require_starttls": True}
    )
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def mailer(port: int, cert: CertificateFiles, **tls: bool) -> SmtpMailer:
    return SmtpMailer(
        Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_ca_file=cert.cert, **tls)
    )


def test_p37_item18_mail_goes_over_starttls_checked_against_the_servers_certificate(
    certificate: CertificateFiles,
) -> None:
    with tls_smtp_server(certificate, implicit=False) as (mailbox, port):
        mailer(port, certificate, smtp_starttls=True).send(password_changed("a@example.org"))
    ((message, version),) = mailbox.received
    assert message["To"] == "a@example.org"
    assert version is not None and version.startswith("TLSv1."), "the mail travelled in TLS"


def test_p37_item18_mail_goes_over_implicit_tls(certificate: CertificateFiles) -> None:
    with tls_smtp_server(certificate, implicit=True) as (mailbox, port):
        mailer(port, certificate, smtp_tls=True).send(password_changed("a@example.org"))
    ((_, version),) = mailbox.received
    assert version is not None and version.startswith("TLSv1.")


def test_p37_item18_an_untrusted_smtp_certificate_is_refused(
    certificate: CertificateFiles, tmp_path: Path
) -> None:
    stranger = local_certificate(tmp_path / "other", now=clock.now())
    with (
        tls_smtp_server(certificate, implicit=False) as (mailbox, port),
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        mailer(port, stranger, smtp_starttls=True).send(password_changed("a@example.org"))
    assert mailbox.received == []


def test_p37_item18_starttls_never_falls_back_to_plain_text(
    certificate: CertificateFiles, smtp: tuple[Any, int]
) -> None:
    """The suite's plain SMTP server offers no STARTTLS: sending fails instead of going plain."""
    plain_mailbox, port = smtp
    plain_mailbox.clear()
    with pytest.raises(smtplib.SMTPNotSupportedError):
        mailer(port, certificate, smtp_starttls=True).send(password_changed("a@example.org"))
    assert plain_mailbox.messages == []


# --- production refuses plain-text transport ---------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"public_url": "http://cams.example.org"}, "must be an https:// address"),
        ({"public_url": "http://192.0.2.7:8080"}, "must be an https:// address"),
        ({"smtp_host": "mail.example.org"}, "would travel unencrypted"),
        ({"smtp_host": "mail.example.org", "smtp_port": 25}, "SMTP_STARTTLS"),
    ],
)
def test_p37_item18_production_refuses_plain_text_transport(
    overrides: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(ValidationError, match=refusal):
        Settings(**PRODUCTION, **overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        {"public_url": "https://cams.example.org", "smtp_host": "mail.example.org",
         "smtp_starttls": True},
        {"public_url": "https://cams.example.org", "smtp_host": "mail.example.org",
         "smtp_tls": True, "smtp_port": 465},
        # Loopback never crosses a network: a local TLS proxy, a local mail relay.
        {"public_url": "http://127.0.0.1:8080", "smtp_host": "localhost"},
        {"public_url": "http://[::1]:8080", "smtp_host": "::1"},
    ],
)  # fmt: skip
def test_p37_item18_production_accepts_encrypted_or_loopback_transport(
    overrides: dict[str, Any],
) -> None:
    Settings(**PRODUCTION, **overrides)


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"tls_cert": "/etc/cert.pem"}, "go together"),
        ({"smtp_tls": True, "smtp_starttls": True}, "not both"),
    ],
)
def test_p37_item18_contradictory_tls_settings_are_refused(
    overrides: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(ValidationError, match=refusal):
        Settings(**overrides)


def test_p37_item18_production_serves_plain_http_to_loopback_only(
    certificate: CertificateFiles,
) -> None:
    settings = Settings(**PRODUCTION)
    with pytest.raises(CannotServe, match="TLS proxy"):
        refuse_plain_listening(settings, "0.0.0.0")
    refuse_plain_listening(settings, "127.0.0.1")
    with_tls = Settings(**PRODUCTION, tls_cert=certificate.cert, tls_key=certificate.key)
    refuse_plain_listening(with_tls, "0.0.0.0")
    behind_proxy = Settings(**PRODUCTION, public_url="https://cams.example.org")
    refuse_plain_listening(behind_proxy, "0.0.0.0")


def test_p37_item18_serve_refuses_at_start_up_with_a_clear_error(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HEARTHWATCH_ENVIRONMENT": "production",
        "HEARTHWATCH_MAIL_BACKEND": "smtp",
        "HEARTHWATCH_DATA_DIR": str(tmp_path),
    }
    listening = subprocess.run(
        [CLI, "serve", "--host", "0.0.0.0", "--port", str(free_port())],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert listening.returncode == 2 and "cannot serve" in listening.stderr
    assert "TLS proxy" in listening.stderr and "Traceback" not in listening.stderr
    plain_mail = subprocess.run(
        [CLI, "serve"], env={**env, "HEARTHWATCH_SMTP_HOST": "mail.example.org"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert plain_mail.returncode == 2 and "would travel unencrypted" in plain_mail.stderr


def test_p37_item18_a_certificate_that_does_not_load_stops_start_up(
    certificate: CertificateFiles, tmp_path: Path
) -> None:
    other = local_certificate(tmp_path / "other", now=clock.now())
    mismatched = Settings(tls_cert=certificate.cert, tls_key=other.key)
    with pytest.raises(CannotServe, match="cannot serve HTTPS"):
        uvicorn_tls_options(mismatched)
    missing = Settings(tls_cert=tmp_path / "nope.pem", tls_key=tmp_path / "nope.key")
    with pytest.raises(CannotServe, match="cannot serve HTTPS"):
        uvicorn_tls_options(missing)


def test_p37_item18_the_local_certificate_is_made_once_with_a_private_key_only_we_read(
    tmp_path: Path,
) -> None:
    first = local_certificate(tmp_path, now=clock.now())
    assert oct(first.key.stat().st_mode & 0o777) == "0o600"
    again = local_certificate(tmp_path, now=clock.now())
    assert again.cert.read_bytes() == first.cert.read_bytes()
