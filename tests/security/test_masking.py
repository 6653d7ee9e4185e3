"""P45: personal data on screen, in operator output and in logs is masked where the full
value is not needed. (P44, statistics only in aggregate, has nothing to show here: these
views list single people, never statistics.)"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from hearthwatch.accounts.models import BrowserSession, User
from hearthwatch.context import AppContext
from hearthwatch.logs import MaskingFilter
from hearthwatch.privacy.minors import cli as minors_cli
from hearthwatch.security.masking import mask_email, mask_ip, mask_name
from tests.conftest import STRONG_PASSWORD
from tests.support.smtp import Mailbox


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("alice@example.org", "a***@e***.org"),
        ("write to bob.smith+x@mail.example.co.uk now", "write to b***@m***.uk now"),
    ],
)
def test_p45_email_addresses_keep_only_initials(text: str, masked: str) -> None:
    assert mask_email(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"),
        ("from 2001:db8:85a3::8a2e:370:7334 at noon", "from 2001:db8:85a3:: at noon"),
        ("peer [2001:db8::1]:443", "peer [2001:db8::]:443"),
        ("::ffff:203.0.113.9", "::ffff:203.0.113.0"),
        ("fe80::1%eth0", "fe80::%eth0"),
    ],
)
def test_p45_ip_addresses_keep_only_their_network(text: str, masked: str) -> None:
    assert mask_ip(text) == masked


@pytest.mark.parametrize(
    "text", ["at 01:56:39 UTC", "mac aa:bb:cc:dd:ee:ff", "ratio 3:4", "2026-11-22T01:56:39Z"]
)
def test_p45_times_and_other_colon_text_stay_as_they_are(text: str) -> None:
    assert mask_ip(text) == text


def test_p45_names_keep_only_initials() -> None:
    assert mask_name("Robin  van Example") == "R*** v*** E***"
    assert mask_name("") == ""


def test_p45_log_lines_mask_ipv6_addresses() -> None:
    record = logging.makeLogRecord(
        {"msg": "sign-in from %s", "args": ("2001:db8:85a3:1:2:3:4:5",), "client": "2001:db8::9"}
    )
    MaskingFilter().filter(record)
    assert record.getMessage() == "sign-in from 2001:db8:85a3::"
    assert record.__dict__["client"] == "2001:db8::"


def test_issue12_item18_own_session_list_shows_ipv6_addresses_whole(
    client: TestClient, ctx: AppContext, alice: User
) -> None:
    """P45 masks what others see; Alice's own sessions are hers to see in full."""
    with ctx.db.session() as db:
        db.execute(update(BrowserSession).values(ip_address="2001:db8:85a3:42::17"))
    sessions = client.get("/api/v1/me/sessions").json()
    assert [s["ip_address"] for s in sessions] == ["2001:db8:85a3:42::17"]


def test_p45_operator_list_of_held_accounts_masks_addresses(
    client: TestClient, ctx: AppContext, mailbox: Mailbox, capsys: Any
) -> None:
    body = {
        "email": "kit@example.org",
        "password": STRONG_PASSWORD,
        "birth_month": "2016-01",
        "guardian_email": "parent@example.org",
    }
    assert client.post("/api/v1/auth/register", json=body).status_code == 202
    assert minors_cli.run_list(ctx.settings, None) == 0  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert "p***@e***.org" in out and "parent@example.org" not in out
    assert "kit@example.org" not in out
