"""Web forms as a browser sees them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: TestClient, path: str) -> str:
    """The CSRF token of the form on the page at `path` (which must open)."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = CSRF_FIELD.search(page.text)
    assert found
    return found.group(1)
