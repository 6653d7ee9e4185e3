"""Erasing an account through the API the way a person does: a mailed code, then the
password and that code (P19)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import STRONG_PASSWORD
from tests.support.smtp import Mailbox

ERASE = "/api/v1/privacy/erasure"


def ask_code(client: TestClient, mailbox: Mailbox, email: str) -> str:
    """Ask for the account-erasure code; returns the code mailed to `email`."""
    assert client.post(f"{ERASE}/account/code").status_code == 202
    return mailbox.last_code(email)


def erase_account(client: TestClient, **fields: Any) -> Any:
    """Post the account erasure with the strong test password unless `fields` say otherwise."""
    return client.post(f"{ERASE}/account", json={"password": STRONG_PASSWORD, **fields})
