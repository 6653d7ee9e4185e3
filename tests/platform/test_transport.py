"""Encryption in transit (P37) and links in mail that reach the running service.

`hearthwatch serve` is started for real: over HTTPS with a certificate it is given, and
over plain HTTP; clients check the certificate against that file. Mail goes to the real
loopback SMTP server of the test suite.
"""

from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from hearthwatch import cli, demo
from hearthwatch.clock import clock
from hearthwatch.server import with_public_url
from hearthwatch.settings import Settings
from hearthwatch.tls import CertificateFiles, check_certificate, local_certificate
from tests.conftest import STRONG_PASSWORD
from tests.support.postgres import free_port
from tests.support.smtp import Mailbox

CLI = str(Path(sys.executable).with_name("hearthwatch"))
HSTS = "strict-transport-security"


@dataclass(frozen=True)
class Served:
    url: str
    verify: ssl.SSLContext | bool


@pytest.fixture
def certificate(tmp_path: Path) -> CertificateFiles:
    return local_certificate(tmp_path / "tls", now=clock.now())


@contextmanager
def _serve(tmp_path: Path, smtp_port: int, extra: dict[str, str]) -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        "HEARTHWATCH_DATA_DIR": str(tmp_path / "data"),
        "HEARTHWATCH_ARGON2_MEMORY_KIB": "1024",
        "HEARTHWATCH_ARGON2_TIME_COST": "1",
        "HEARTHWATCH_RECORDER_ENABLED": "false",
        "HEARTHWATCH_MAIL_BACKEND": "smtp",
        "HEARTHWATCH_SMTP_PORT": str(smtp_port),
        **extra,
    }
    with (
        (tmp_path / "server.log").open("w") as log,
        subprocess.Popen(
            [CLI, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stderr=log
        ) as process,
    ):
        try:
            yield port
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=15)


def _wait_healthy(served: Served) -> httpx.Response:
    deadline = time.monotonic() + 60
    while True:
        try:
            return httpx.get(f"{served.url}/api/v1/health", verify=served.verify)
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the server never answered"
            time.sleep(0.1)


@pytest.fixture
def https_server(
    tmp_path: Path, smtp: tuple[Mailbox, int], certificate: CertificateFiles
) -> Iterator[Served]:
    tls = {
        "HEARTHWATCH_TLS_CERT": str(certificate.cert),
        "HEARTHWATCH_TLS_KEY": str(certificate.key),
    }
    with _serve(tmp_path, smtp[1], tls) as port:
        trust = ssl.create_default_context(cafile=str(certificate.cert))
        served = Served(f"https://127.0.0.1:{port}", trust)
        _wait_healthy(served)
        yield served


@pytest.fixture
def http_server(tmp_path: Path, smtp: tuple[Mailbox, int]) -> Iterator[Served]:
    with _serve(tmp_path, smtp[1], {}) as port:
        served = Served(f"http://127.0.0.1:{port}", True)
        _wait_healthy(served)
        yield served


def _guardian_link(served: Served, mailbox: Mailbox) -> str:
    """Sign a child up; the guardian's mail holds an absolute link to the consent page."""
    guardian, child = "parent@example.org", "kid@example.org"
    month = f"{date.today().year - 12:04d}-{date.today().month:02d}"
    body = {"email": child, "password": STRONG_PASSWORD, "birth_month": month,
            "guardian_email": guardian}  # fmt: skip
    answer = httpx.post(f"{served.url}/api/v1/auth/register", json=body, verify=served.verify)
    assert answer.is_success, answer.text
    deadline = time.monotonic() + 10
    while not mailbox.to(guardian):
        assert time.monotonic() < deadline, "no mail reached the guardian"
        time.sleep(0.05)
    found = re.search(
        r"(https?://\S+/guardian/consent\?token=\S+)", mailbox.to(guardian)[-1].get_content()
    )
    assert found is not None
    return found.group(1)


def test_p37_item18_serves_https_with_its_certificate_and_sends_hsts(
    https_server: Served,
) -> None:
    answer = httpx.get(f"{https_server.url}/api/v1/health", verify=https_server.verify)
    assert answer.status_code == 200
    assert answer.headers[HSTS] == "max-age=31536000"
    with pytest.raises(httpx.TransportError):  # the port speaks TLS only
        httpx.get(https_server.url.replace("https://", "http://") + "/api/v1/health")


def test_p37_item18_no_hsts_over_plain_http(http_server: Served) -> None:
    answer = httpx.get(f"{http_server.url}/api/v1/health")
    assert answer.status_code == 200 and HSTS not in answer.headers


def test_p28_item16_mail_links_use_the_https_address_the_service_runs_on(
    https_server: Served, mailbox: Mailbox
) -> None:
    link = _guardian_link(https_server, mailbox)
    assert link.startswith(f"{https_server.url}/guardian/consent?token=")
    page = httpx.get(link, verify=https_server.verify)
    assert page.status_code == 200 and HSTS in page.headers


def test_p28_item16_mail_links_use_the_port_the_service_runs_on(
    http_server: Served, mailbox: Mailbox
) -> None:
    link = _guardian_link(http_server, mailbox)
    assert link.startswith(f"{http_server.url}/guardian/consent?token=")
    assert httpx.get(link).status_code == 200


@pytest.mark.parametrize(
    ("host", "tls", "expected"),
    [
        ("127.0.0.1", False, "http://127.0.0.1:9000"),
        ("0.0.0.0", False, "http://127.0.0.1:9000"),
        ("::", True, "https://[::1]:9000"),
        ("::1", False, "http://[::1]:9000"),
        ("cams.example.org", True, "https://cams.example.org:9000"),
    ],
)
def test_p28_item16_without_a_public_url_links_follow_the_listening_address(
    host: str, tls: bool, expected: str, certificate: CertificateFiles
) -> None:
    files: dict[str, Any] = {"tls_cert": certificate.cert, "tls_key": certificate.key}
    settings = Settings(**(files if tls else {}))
    assert with_public_url(settings, host=host, port=9000).public_url == expected


def test_p28_item16_a_configured_public_url_wins() -> None:
    settings = Settings(public_url="https://cams.example.org")
    derived = with_public_url(settings, host="127.0.0.1", port=9000)
    assert derived.public_url == "https://cams.example.org"


class _Prepared(Exception):
    """Stops the demo once its settings are made (before cameras are encoded)."""


def test_p37_item18_demo_tls_serves_https_with_a_certificate_made_for_this_machine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    made: list[Settings] = []

    def prepare(settings: Settings, **_: Any) -> None:
        made.append(settings)
        raise _Prepared

    monkeypatch.setattr(demo, "prepare", prepare)
    monkeypatch.setenv("HEARTHWATCH_DATA_DIR", str(tmp_path))
    with pytest.raises(_Prepared):
        cli.main(["demo", "--tls", "--port", "9443"])
    (settings,) = made
    assert settings.public_url == "https://127.0.0.1:9443"
    assert settings.tls_cert is not None and settings.tls_key is not None
    assert settings.tls_cert.parent == tmp_path
    check_certificate(settings.tls_cert, settings.tls_key)
    cameras = [SimpleNamespace(main_url=f"rtsp://127.0.0.1:8554/{n}") for n in range(4)]
    shown = demo.banner(settings, SimpleNamespace(cameras=cameras))  # type: ignore[arg-type]
    assert "running at https://127.0.0.1:9443/" in shown and str(settings.tls_cert) in shown
