"""Issue 12 item 14: the API reference pages come from the service itself, under a strict
Content-Security-Policy (no CDN, no inline script, no eval)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from hearthwatch.web.paths import STATIC_DIR
from tests.web.conftest import PageStructure

PAGES = ["/api/docs", "/api/redoc"]


@pytest.mark.parametrize("path", PAGES)
def test_issue12_item14_reference_pages_load_only_the_services_own_assets(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    page = PageStructure(response.text)
    assert page.inline_scripts == 0 and page.style_blocks == 0
    assets = [a["src"] for a in page.all("script")] + [a["href"] for a in page.all("link")]
    for asset in assets:
        assert asset and asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset


@pytest.mark.parametrize("path", PAGES)
def test_issue12_item14_reference_pages_keep_the_policy_strict(
    client: TestClient, path: str
) -> None:
    policy = client.get(path).headers["content-security-policy"]
    assert "script-src 'self';" in policy
    for loose in ("unsafe-inline", "unsafe-eval", "http:", "https:", "*"):
        assert loose not in policy, (loose, policy)


def test_issue12_item14_redoc_nonce_changes_per_answer(client: TestClient) -> None:
    nonces = {
        re.search(
            r"'nonce-([^']+)'", client.get("/api/redoc").headers["content-security-policy"]
        ).group(1)  # type: ignore[union-attr]
        for _ in range(3)
    }
    assert len(nonces) == 3


def test_issue12_item14_vendored_viewers_carry_their_licences() -> None:
    for viewer in ("swagger-ui", "redoc"):
        assert (STATIC_DIR / "vendor" / viewer / "LICENSE").read_text().strip()
    bundle = (STATIC_DIR / "vendor" / "redoc" / "redoc.standalone.js").read_text()
    assert "cdn.redoc.ly" not in bundle
