"""Issue 12 item 20 (P46, P48): the privacy notice names the region the operator set, and
never a made-up one: unset, it says the region was not named."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hearthwatch.app import create_app
from hearthwatch.context import AppContext, build_context
from hearthwatch.privacy.notice.content import REGION_NOT_NAMED, generate
from hearthwatch.settings import Settings

NOTICE = Path(__file__).parents[3] / "docs" / "privacy-notice.md"
README = Path(__file__).parents[3] / "README.md"


def test_issue12_item20_p46_the_default_notice_names_no_made_up_region() -> None:
    shipped = NOTICE.read_text(encoding="utf-8")
    assert "Frankfurt" not in shipped
    assert REGION_NOT_NAMED in shipped
    assert generate(Settings.model_construct())["storage_region"] == REGION_NOT_NAMED


def test_issue12_item20_p46_the_notice_page_says_the_region_is_not_named(
    client: TestClient, ctx: AppContext
) -> None:
    assert ctx.settings.data_region == ""
    page = client.get("/privacy/notice").text
    assert "Frankfurt" not in page
    assert "has not named the country or region" in page


def test_issue12_item20_p46_the_notice_page_names_the_operators_region(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEARTHWATCH_DATA_REGION", "Switzerland (Zurich)")
    configured = Settings(**settings.model_dump(exclude={"data_region"}))
    assert configured.data_region == "Switzerland (Zurich)"
    ctx = build_context(configured)
    try:
        with TestClient(create_app(ctx)) as client:
            page = client.get("/privacy/notice").text
    finally:
        ctx.close()
    assert "All personal data is stored in <strong>Switzerland (Zurich)</strong>." in page


@pytest.mark.parametrize("value", [" padded ", "x" * 81])
def test_issue12_item20_a_region_must_be_a_plain_name(value: str) -> None:
    with pytest.raises(ValueError, match="data_region"):
        Settings(data_region=value)


def test_issue12_item20_the_readme_names_the_setting_where_production_is_set_up() -> None:
    steps = README.read_text().split("## Running it for real", 1)[1].split("```", 2)[1]
    assert "export HEARTHWATCH_DATA_REGION=" in steps
