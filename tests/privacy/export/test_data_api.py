"""P17 ("view all data") in the API: GET /api/v1/privacy/data gives what /privacy/data shows,
read from the data map, so a newly declared personal column appears in both by itself."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.privacy.datamap import service as datamap
from hearthwatch.privacy.export import tables as export_tables
from tests.factories import add_camera_with_a_segment

DATA = "/api/v1/privacy/data"


def tables(client: TestClient) -> dict[str, Any]:
    answer = client.get(DATA)
    assert answer.status_code == 200, answer.text
    return {t["name"]: t for t in answer.json()["tables"]}


def test_p17_data_api_lists_what_the_data_page_shows(
    client: TestClient, ctx: AppContext, alice: User, make_user: Any
) -> None:
    make_user("bob@example.org", nickname="Bob the Builder")
    add_camera_with_a_segment(ctx, alice.id)
    found = tables(client)
    (account,) = found["users"]["rows"]
    assert account["email"] == alice.email and found["users"]["title"] == "Your account"
    columns = {c["name"]: c["description"] for c in found["users"]["columns"]}
    assert "email" in columns and columns["email"] != "email"  # described by the data map
    assert found["cameras"]["total"] == 1 and found["segments"]["total"] == 1
    assert found["segments"]["complete"] is True
    assert "bob@example.org" not in client.get(DATA).text  # only the caller's own rows
    page = client.get("/privacy/data").text
    for table in found.values():
        assert f'id="t-{table["name"]}"' in page and table["title"] in page
    assert client.get(DATA).json()["everything"] == "/api/v1/privacy/exports"


def test_p17_data_api_is_documented_and_needs_a_signed_in_caller(client: TestClient) -> None:
    documented = client.get("/api/openapi.json").json()["paths"][DATA]["get"]
    assert "PersonalData" in str(documented["responses"]["200"])
    refused = client.get(DATA)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "auth.required"


def test_p17_a_new_personal_column_appears_in_the_api_and_page_without_code_changes(
    client: TestClient, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def session_columns() -> dict[str, str]:
        return {c["name"]: c["description"] for c in tables(client)["sessions"]["columns"]}

    assert "expires_at" not in session_columns()
    declared = datamap.PersonalField(
        "sessions",
        "expires_at",
        "end of a sign-in session",
        datamap.Category.USAGE,
        "showing the user where they are signed in",
        datamap.LegalBasis.CONTRACT,
        datamap.SESSION_LIFE,
    )
    monkeypatch.setattr(export_tables, "PERSONAL_FIELDS", (*datamap.PERSONAL_FIELDS, declared))
    assert session_columns()["expires_at"] == "end of a sign-in session"
    (row,) = tables(client)["sessions"]["rows"]
    assert row["expires_at"]
    assert "end of a sign-in session" in client.get("/privacy/data").text
